import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import { decryptSecret, encryptSecret, newId } from '../../adapters/crypto';
import type { ProviderInboxRepository } from '../../adapters/db/provider-inbox-repository';
import { DomainError, NotFound, Unauthenticated } from '../../domain/errors';
import { type JobHandler, type JobQueue, RetryLater } from '../../jobs/queue';
import type { ProviderAccounts } from './accounts';
import type { ProviderModule, RemoteProvider, WebhookRefusalReason, WebhookRequest } from './provider-module';

/** Providers retry a delivery for hours; delivery ids are kept a week so a late resend is still a duplicate. */
const INBOX_RETENTION_MS = 7 * 86_400_000;
/** How long one handler may hold a delivery before another may take it (a crashed process lets go this way). */
const CLAIM_MS = 60_000;
const HANDLE_MAX_ATTEMPTS = 8;

export interface WebhookIntakeDeps {
  modules: ReadonlyMap<RemoteProvider, ProviderModule>;
  accounts: Pick<ProviderAccounts, 'load'>;
  inbox: ProviderInboxRepository;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  /** Encrypts stored bodies: they may carry a provider's download tokens. */
  secretKey: Buffer;
  /** Operators count refused deliveries by reason. */
  onRefused?: ((provider: RemoteProvider, reason: WebhookRefusalReason | 'unknown_account' | 'malformed') => void) | undefined;
}

export const handleEventJobKey = (inboxId: string) => `provider-event:${inboxId}`;

/**
 * The one way provider events come in: verify the raw body, keep the delivery in the inbox (once, by the provider's
 * delivery id), act on it, answer. Acting is quick (database rows and jobs); when it fails the delivery stays in the
 * inbox and a job tries again, so the provider is answered at once and nothing it sent is lost.
 */
export function createWebhookIntake(deps: WebhookIntakeDeps) {
  const { inbox, clock } = deps;
  const log = deps.logger.child({ component: 'webhook-intake' });
  let lastPrune = 0;

  function moduleOf(provider: string): ProviderModule {
    const module = deps.modules.get(provider as RemoteProvider);
    if (!module) throw new NotFound(`Provider ${provider}`);
    return module;
  }

  function pruneNow() {
    if (Date.now() - lastPrune < 3_600_000) return;
    lastPrune = Date.now();
    const before = new Date(clock.now().getTime() - INBOX_RETENTION_MS).toISOString();
    void inbox.prune(before).catch((err: unknown) => log.warn({ err }, 'could not prune the provider inbox'));
  }

  /** Handles a delivery once, under a claim; null when another handler holds it or it is handled already. */
  async function handleStored(inboxId: string): Promise<Record<string, unknown> | null> {
    const now = clock.now();
    if (!(await inbox.claim(inboxId, now.toISOString(), new Date(now.getTime() + CLAIM_MS).toISOString()))) return null;
    const delivery = await inbox.get(inboxId);
    if (!delivery) return null;
    const module = moduleOf(delivery.provider);
    const account = await deps.accounts.load(module.name, delivery.accountId);
    if (!account) {
      const outcome = { ignored: `the ${module.label} account was removed` };
      await inbox.finish(inboxId, 'done', outcome, isoNow(clock));
      return outcome;
    }
    try {
      const outcome = await module.webhooks.handle(account, Buffer.from(decryptSecret(deps.secretKey, delivery.bodyEncrypted), 'utf8'), { inboxId });
      await inbox.finish(inboxId, 'done', outcome, isoNow(clock));
      return outcome;
    } catch (err) {
      await inbox.release(inboxId).catch((e: unknown) => log.error({ err: e, inboxId }, 'could not release a delivery'));
      throw err;
    }
  }

  function refuse(provider: RemoteProvider, reason: WebhookRefusalReason | 'unknown_account' | 'malformed') {
    deps.onRefused?.(provider, reason);
  }

  return {
    async receive(provider: string, accountId: string, request: WebhookRequest): Promise<Record<string, unknown>> {
      const module = moduleOf(provider);
      const account = await deps.accounts.load(module.name, accountId);
      if (!account) {
        refuse(module.name, 'unknown_account');
        throw new NotFound(`${module.label} account`, accountId);
      }
      const refusal = await module.webhooks.verify(account, request, clock.now().getTime());
      if (refusal) {
        refuse(module.name, refusal.reason);
        log.warn({ provider, accountId, reason: refusal.reason }, 'refused a webhook');
        throw new Unauthenticated(refusal.message);
      }
      const interpreted = module.webhooks.interpret(account, request.rawBody, request.headers);
      if (interpreted.kind === 'invalid') {
        refuse(module.name, 'malformed');
        throw new DomainError('bad_request', interpreted.message);
      }
      if (interpreted.kind === 'answer') return interpreted.body;
      if (interpreted.kind === 'ignored') return { received: true, ignored: interpreted.detail };

      pruneNow();
      const inboxId = newId();
      const fresh = await inbox.insert({
        id: inboxId, provider: module.name, accountId, deliveryId: `${accountId}:${interpreted.deliveryId}`, eventType: interpreted.eventType,
        bodyEncrypted: encryptSecret(deps.secretKey, request.rawBody.toString('utf8')), receivedAt: isoNow(clock),
      });
      if (!fresh) {
        log.info({ provider, accountId, event: interpreted.eventType, deliveryId: interpreted.deliveryId }, 'duplicate webhook delivery ignored');
        return { received: true, duplicate: true };
      }
      try {
        const outcome = await handleStored(inboxId);
        log.info({ provider, accountId, event: interpreted.eventType, inboxId, ...outcome }, 'provider event handled');
        return { received: true, event: interpreted.eventType, ...outcome };
      } catch (err) {
        // Kept in the inbox: the job retries it with backoff; the provider need not send it again.
        log.warn({ err, provider, accountId, event: interpreted.eventType, inboxId }, 'provider event failed; retrying from the inbox');
        await deps.queue.enqueue('handle-provider-event', { inboxId }, { dedupeKey: handleEventJobKey(inboxId), maxAttempts: HANDLE_MAX_ATTEMPTS });
        return { received: true, event: interpreted.eventType, queued: true };
      }
    },

    handleEventJob: {
      async run({ inboxId }) {
        const delivery = await inbox.get(inboxId);
        if (!delivery) return { outcome: 'skipped', detail: 'the delivery is no longer in the inbox' };
        if (delivery.status !== 'received') return { outcome: 'skipped', detail: `the delivery is ${delivery.status}` };
        const outcome = await handleStored(inboxId);
        if (!outcome) throw new RetryLater(CLAIM_MS, 'another handler holds this delivery');
        return { outcome: 'done', detail: JSON.stringify(outcome) };
      },
      async onExhausted({ inboxId }, error) {
        await inbox.finish(inboxId, 'failed', { error: error.message }, isoNow(clock));
        log.error({ inboxId, err: error.message }, 'gave up on a provider event');
      },
    } satisfies JobHandler<'handle-provider-event'>,

    /** Deliveries left unhandled by a crash between receiving and handling get their job. */
    async sweep(): Promise<number> {
      const stale = await inbox.listUnhandled(new Date(clock.now().getTime() - CLAIM_MS).toISOString(), 500);
      for (const inboxId of stale) await deps.queue.enqueue('handle-provider-event', { inboxId }, { dedupeKey: handleEventJobKey(inboxId), maxAttempts: HANDLE_MAX_ATTEMPTS });
      if (stale.length) log.info({ deliveries: stale.length }, 'queued provider events left unhandled');
      return stale.length;
    },
  };
}

/** Reads a delivery's body back from the inbox, for a job acting on it later (Zoom's first import uses its token). */
export function createInboxReader(inbox: Pick<ProviderInboxRepository, 'get'>, secretKey: Buffer) {
  return async (inboxId: string): Promise<Buffer | null> => {
    const delivery = await inbox.get(inboxId);
    return delivery ? Buffer.from(decryptSecret(secretKey, delivery.bodyEncrypted), 'utf8') : null;
  };
}

export type InboxReader = ReturnType<typeof createInboxReader>;

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
