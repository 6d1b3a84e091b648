import type { z } from 'zod';
import type { JobHandlers } from '../../jobs/queue';
import type { LiveClassProviderHooks } from '../live-classes';

/** Providers with a remote side; `native` and `upload` live in Aula itself. */
export const REMOTE_PROVIDERS = ['zoom', 'livekit', 'cloudflare'] as const;
export type RemoteProvider = (typeof REMOTE_PROVIDERS)[number];

/** A provider account as a module uses it: settings in the clear, secrets decrypted. */
export interface ProviderAccount {
  id: string;
  provider: RemoteProvider;
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  createdAt: string;
}

/** What an admin's create request becomes: the account's name, non-secret settings and secrets. */
export interface PreparedAccount {
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

export interface ProviderAccountSpec {
  /** The create body (validated at the boundary; secrets are fields of it). */
  readonly input: z.ZodType<Record<string, unknown>>;
  /** Splits a valid body, checking credentials with the provider where it can; refusals are `Unprocessable`. */
  prepare(body: Record<string, unknown>): Promise<PreparedAccount>;
  /** What admins see of an account besides id, name and the webhook URL: never a secret. */
  view(account: ProviderAccount): Record<string, unknown>;
  /** Drops cached credentials of a removed account. */
  forget?(account: ProviderAccount): void;
}

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Readonly<Record<string, string | undefined>>;
}

export type WebhookRefusalReason = 'missing_signature' | 'bad_signature' | 'stale' | 'replayed';

export interface WebhookRefusal {
  reason: WebhookRefusalReason;
  message: string;
}

/** A verified body, classified: answered at once, not used, malformed, or an event to keep and act on. */
export type InterpretedWebhook =
  | { kind: 'answer'; body: Record<string, unknown> }
  | { kind: 'ignored'; detail: string }
  | { kind: 'invalid'; message: string }
  | { kind: 'event'; deliveryId: string; eventType: string };

export interface ProviderWebhooks {
  /** Checks the signature over the exact bytes received (constant time), and the timestamp where there is one. */
  verify(account: ProviderAccount, request: WebhookRequest, nowMs: number): Promise<WebhookRefusal | null> | WebhookRefusal | null;
  /** `headers` for providers whose delivery id or kind travels in them (RealtimeKit's `rtk-uuid`). */
  interpret(account: ProviderAccount, rawBody: Buffer, headers: WebhookRequest['headers']): InterpretedWebhook;
  /**
   * Acts on a delivery from the inbox: quick database work and jobs, never downloads. Runs again after a crash or a
   * thrown error, so it must be idempotent. What it returns is answered to the provider and kept in the inbox.
   */
  handle(account: ProviderAccount, rawBody: Buffer, delivery: { inboxId: string }): Promise<Record<string, unknown>>;
}

/** One provider: how its accounts are made, what it does when a class changes, its webhooks and its jobs. */
export interface ProviderModule {
  readonly name: RemoteProvider;
  /** For messages: "Zoom", "LiveKit". */
  readonly label: string;
  readonly accounts: ProviderAccountSpec;
  readonly hooks: LiveClassProviderHooks;
  readonly webhooks: ProviderWebhooks;
  readonly jobs: JobHandlers;
}
