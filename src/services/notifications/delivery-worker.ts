import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { NotificationRepository } from '../../adapters/db/notification-repository';
import type { EmailDeliveriesTable } from '../../adapters/db/schema';
import type { WebhookMessageRecord, WebhookRepository } from '../../adapters/db/webhook-repository';
import type { Dispatcher } from './dispatcher';

export interface DeliveryWorkerDeps {
  notifications: NotificationRepository;
  webhooks: WebhookRepository;
  dispatcher: Dispatcher;
  sendEmail: ((row: EmailDeliveriesTable, now: () => Date) => Promise<unknown>) | null;
  deliverWebhook(msg: WebhookMessageRecord, now: () => Date): Promise<unknown>;
  clock: Clock;
  logger: Logger;
  /** Only this process uses the database: work a killed run left half-done is due again at once. */
  soleProcess: boolean;
  pollMs?: number;
  /** How long a claimed row stays with this worker; longer than the slowest send (a 15 s webhook timeout). */
  leaseMs?: number;
  mailConcurrency?: number;
  webhookConcurrency?: number;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/**
 * Delivers the outbox apart from the media job queue, so mails and webhooks never wait behind an hour of
 * transcoding. Rows are claimed with a lease (several processes share the work; a dead one's rows return after
 * the lease), each state change is written before the next step, and a send is marked done right after it succeeds.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const pollMs = deps.pollMs ?? 1_000;
  const leaseMs = deps.leaseMs ?? 60_000;
  const log = deps.logger.child({ worker: `notifications:${hostname()}:${process.pid}` });
  const now = () => deps.clock.now();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> = Promise.resolve();
  let again = false;

  async function runPass(): Promise<boolean> {
    const at = now();
    const iso = at.toISOString();
    const lease = new Date(at.getTime() + leaseMs).toISOString();
    let worked = false;
    for (const event of await deps.notifications.claimEvents(50, iso, lease)) {
      worked = true;
      await deps.dispatcher.dispatch(event, now().toISOString()).catch((err: unknown) => log.error({ err, eventId: event.id }, 'could not dispatch an outbox event; will retry'));
    }
    if (deps.sendEmail) {
      const send = deps.sendEmail;
      const mails = await deps.notifications.claimDueEmails(100, iso, lease);
      worked ||= mails.length > 0;
      await eachLimited(mails, deps.mailConcurrency ?? 4, (row) => send(row, now).catch((err: unknown) => log.error({ err, deliveryId: row.id }, 'mail delivery crashed; retried after its lease')));
    }
    const messages = await deps.webhooks.claimDueMessages(50, iso, lease);
    worked ||= messages.length > 0;
    await eachLimited(messages, deps.webhookConcurrency ?? 8, (msg) => deps.deliverWebhook(msg, now).catch((err: unknown) => log.error({ err, webhookId: msg.id }, 'webhook delivery crashed; retried after its lease')));
    return worked;
  }

  function schedule(ms: number) {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
  }

  function tick() {
    timer = null;
    pass = pass.then(async () => {
      if (!running) return;
      let worked = false;
      again = false;
      try {
        worked = await runPass();
      } catch (err) {
        log.error({ err }, 'notification delivery pass failed');
      }
      schedule(worked || again ? 0 : pollMs);
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      const begin = deps.soleProcess ? deps.notifications.releaseLeases(now().toISOString()) : Promise.resolve();
      void begin.then(() => schedule(0), (err: unknown) => log.error({ err }, 'could not take back unfinished deliveries'));
    },
    /** Something was written to the outbox (or became due): look now instead of at the next poll. */
    wake() {
      if (!running) return;
      again = true;
      if (timer) schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await pass;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
