import { type Clock, isoNow } from '../../adapters/clock';
import { encryptSecret, newId } from '../../adapters/crypto';
import type { WebhookEndpointRecord, WebhookRepository } from '../../adapters/db/webhook-repository';
import { NotFound, Unprocessable } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import { newWebhookSecret } from '../../domain/notifications/standard-webhooks';

export interface WebhookEndpointDeps {
  webhooks: WebhookRepository;
  secretKey: Buffer;
  allowPrivate: boolean;
  resolvesToPrivate(url: URL): Promise<string | null>;
  clock: Clock;
  /** Pokes the delivery worker after a redelivery. */
  wake(): void;
}

/** What an admin sees of an endpoint: never its secret. */
function present(e: WebhookEndpointRecord) {
  return {
    id: e.id, url: e.url, description: e.description, eventTypes: e.eventTypes, status: e.status, disabledReason: e.disabledReason,
    throttledUntil: e.throttledUntil, previousSecretExpiresAt: e.previousSecretExpiresAt, createdAt: e.createdAt, updatedAt: e.updatedAt,
  };
}

/** Admins register the LMS's webhook endpoints, rotate their secrets, read the delivery log and redeliver. */
export function createWebhookEndpointService(deps: WebhookEndpointDeps) {
  const { webhooks, clock } = deps;

  async function mustGet(id: string) {
    const e = await webhooks.getEndpoint(id);
    if (!e) throw new NotFound('Webhook endpoint', id);
    return e;
  }

  async function checkUrl(text: string): Promise<string> {
    const url = new URL(text);
    if (url.username || url.password) throw new Unprocessable('A webhook URL must not carry credentials; the signature authenticates Aula');
    if (!deps.allowPrivate) {
      const address = await deps.resolvesToPrivate(url);
      if (address) throw new Unprocessable(`${url.hostname} resolves to ${address}, a private or loopback address; set AULA_WEBHOOK_ALLOW_PRIVATE=1 to allow it`);
    }
    return url.toString();
  }

  return {
    async create(actor: Principal, input: { url: string; eventTypes: string[]; description?: string | undefined }) {
      requireRole(actor, 'admin');
      const id = newId();
      const secret = newWebhookSecret();
      await webhooks.insertEndpoint({ id, url: await checkUrl(input.url), description: input.description ?? '', eventTypes: [...new Set(input.eventTypes)], secretEncrypted: encryptSecret(deps.secretKey, secret), now: isoNow(clock) });
      return { ...present(await mustGet(id)), secret };
    },

    async list(actor: Principal) {
      requireRole(actor, 'admin');
      return { items: (await webhooks.listEndpoints()).map(present) };
    },

    async get(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      return present(await mustGet(id));
    },

    /** `status: 'active'` turns a disabled endpoint (410, or by hand) back on. */
    async update(actor: Principal, id: string, patch: { url?: string | undefined; eventTypes?: string[] | undefined; description?: string | undefined; status?: 'active' | 'disabled' | undefined }) {
      requireRole(actor, 'admin');
      await mustGet(id);
      const now = isoNow(clock);
      await webhooks.updateEndpoint(id, {
        ...(patch.url !== undefined && { url: await checkUrl(patch.url) }),
        ...(patch.eventTypes !== undefined && { eventTypes: [...new Set(patch.eventTypes)] }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.status !== undefined && { status: patch.status, disabledReason: patch.status === 'disabled' ? 'disabled by an admin' : null, throttledUntil: null }),
        now,
      });
      if (patch.status === 'disabled') await webhooks.cancelPending(id, now);
      return present(await mustGet(id));
    },

    /** A new secret, shown once; the old one keeps signing beside it for `overlapHours` so the LMS can switch. */
    async rotateSecret(actor: Principal, id: string, overlapHours: number) {
      requireRole(actor, 'admin');
      const e = await mustGet(id);
      const secret = newWebhookSecret();
      const now = clock.now();
      await webhooks.updateEndpoint(id, {
        secretEncrypted: encryptSecret(deps.secretKey, secret),
        previousSecretEncrypted: overlapHours > 0 ? e.secretEncrypted : null,
        previousSecretExpiresAt: overlapHours > 0 ? new Date(now.getTime() + overlapHours * 3_600_000).toISOString() : null,
        now: now.toISOString(),
      });
      return { ...present(await mustGet(id)), secret };
    },

    async remove(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      if (!(await webhooks.deleteEndpoint(id))) throw new NotFound('Webhook endpoint', id);
    },

    /** The delivery log: messages newest first, each with every attempt. */
    async deliveries(actor: Principal, id: string, page: { limit: number; cursor?: string | undefined; status?: 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled' | undefined }) {
      requireRole(actor, 'admin');
      await mustGet(id);
      const rows = await webhooks.listMessages(id, { limit: page.limit, before: page.cursor, status: page.status });
      const items = rows.slice(0, page.limit);
      const attempts = await webhooks.attemptsOf(items.map((m) => m.id));
      return {
        items: items.map((m) => ({
          id: m.id, eventType: m.event_type, status: m.status, attempts: m.attempts, nextAttemptAt: m.status === 'pending' ? m.next_attempt_at : null,
          lastStatusCode: m.last_status_code, lastError: m.last_error, deliveredAt: m.delivered_at, createdAt: m.created_at, payload: JSON.parse(m.payload) as unknown,
          log: attempts.filter((a) => a.messageId === m.id).map(({ messageId: _id, ...a }) => a),
        })),
        nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null,
      };
    },

    /** Sends a message again: same `webhook-id` and body, so a receiver that already has it can tell. */
    async redeliver(actor: Principal, endpointId: string, messageId: string) {
      requireRole(actor, 'admin');
      const e = await mustGet(endpointId);
      const m = await webhooks.getMessage(messageId);
      if (!m || m.endpoint_id !== endpointId) throw new NotFound('Webhook message', messageId);
      if (e.status !== 'active') throw new Unprocessable(`Endpoint ${endpointId} is disabled (${e.disabledReason ?? 'by an admin'}); enable it first`);
      await webhooks.requeueMessage(messageId, isoNow(clock));
      deps.wake();
      return { id: messageId, status: 'pending' as const };
    },
  };
}

export type WebhookEndpointService = ReturnType<typeof createWebhookEndpointService>;
