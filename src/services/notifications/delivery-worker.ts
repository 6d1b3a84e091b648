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

  /**
   * One lane per kind of work (fanning out events, mails, webhooks), each polling on its own: a slow mail server
   * never holds webhooks back, nor a slow endpoint mails.
   */
  function lane(name: string, runOnce: () => Promise<boolean>) {
    let timer: NodeJS.Timeout | null = null;
    let pass: Promise<void> = Promise.resolve();
    let again = false;
    const schedule = (ms: number) => {
      if (!running) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(tick, ms);
    };
    function tick() {
      timer = null;
      pass = pass.then(async () => {
        if (!running) return;
        again = false;
        let worked = false;
        try {
          worked = await runOnce();
        } catch (err) {
          log.error({ err, lane: name }, 'notification delivery pass failed');
        }
        schedule(worked || again ? 0 : pollMs);
      });
    }
    return {
      start: () => schedule(0),
      wake() {
        again = true;
        if (timer) schedule(0);
      },
      async stop() {
        if (timer) clearTimeout(timer);
        timer = null;
        await pass;
      },
    };
  }

  const lease = () => {
    const at = now();
    return { iso: at.toISOString(), until: new Date(at.getTime() + leaseMs).toISOString() };
  };
  const lanes = [
    lane('events', async () => {
      const { iso, until } = lease();
      const events = await deps.notifications.claimEvents(50, iso, until);
      for (const event of events) {
        await deps.dispatcher.dispatch(event, now().toISOString()).catch((err: unknown) => log.error({ err, eventId: event.id }, 'could not dispatch an outbox event; will retry'));
      }
      // New mails and messages: the other lanes look now.
      if (events.length > 0) for (const l of lanes.slice(1)) l.wake();
      return events.length > 0;
    }),
    lane('mail', async () => {
      const send = deps.sendEmail;
      if (!send) return false;
      const { iso, until } = lease();
      const mails = await deps.notifications.claimDueEmails(100, iso, until);
      await eachLimited(mails, deps.mailConcurrency ?? 4, (row) => send(row, now).catch((err: unknown) => log.error({ err, deliveryId: row.id }, 'mail delivery crashed; retried after its lease')));
      return mails.length > 0;
    }),
    lane('webhooks', async () => {
      const { iso, until } = lease();
      const messages = await deps.webhooks.claimDueMessages(50, iso, until);
      await eachLimited(messages, deps.webhookConcurrency ?? 8, (msg) => deps.deliverWebhook(msg, now).catch((err: unknown) => log.error({ err, webhookId: msg.id }, 'webhook delivery crashed; retried after its lease')));
      return messages.length > 0;
    }),
  ];

  return {
    start() {
      if (running) return;
      running = true;
      const begin = deps.soleProcess ? deps.notifications.releaseLeases(now().toISOString()) : Promise.resolve();
      void begin.then(() => lanes.forEach((l) => l.start()), (err: unknown) => log.error({ err }, 'could not take back unfinished deliveries'));
    },
    /** Something was written to the outbox (or became due): look now instead of at the next poll. */
    wake() {
      if (running) for (const l of lanes) l.wake();
    },
    async stop() {
      running = false;
      await Promise.all(lanes.map((l) => l.stop()));
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
