import type { Logger } from 'pino';
import type { Clock } from './adapters/clock';
import { deriveKey } from './adapters/crypto';
import type { Db } from './adapters/db/database';
import { createNotificationRepository } from './adapters/db/notification-repository';
import { createShareLinkRepository } from './adapters/db/share-link-repository';
import { createWebhookRepository } from './adapters/db/webhook-repository';
import { createSmtpMailer } from './adapters/mail/smtp-mailer';
import { type MediaStorage, readStoredBytes } from './adapters/storage/media-storage';
import { postWebhook, resolvesToPrivate } from './adapters/webhooks/http-poster';
import type { AppConfig } from './config';
import type { ChangeFeed } from './contracts/change-feed';
import { createDeliveryWorker } from './services/notifications/delivery-worker';
import { createDispatcher } from './services/notifications/dispatcher';
import { createEmailSender } from './services/notifications/email-sender';
import { createNotificationPreferences } from './services/notifications/preferences';
import { createWebhookEndpointService } from './services/notifications/webhook-endpoints';
import { createWebhookSender } from './services/notifications/webhook-sender';

/** Wiring of mail, outgoing webhooks and their delivery worker; share links are wired beside playback. */
export function createNotifications(deps: { config: AppConfig; db: Db; storage: MediaStorage; users: { getUser(id: string): Promise<{ name: string } | null> }; feed: ChangeFeed; clock: Clock; logger: Logger }) {
  const { config, clock } = deps;
  const logger = deps.logger.child({ area: 'notifications' });
  const notifications = createNotificationRepository(deps.db);
  const webhooks = createWebhookRepository(deps.db);
  const mailer = config.mail ? createSmtpMailer(config.mail) : null;
  const preferences = createNotificationPreferences({ notifications, clock, unsubscribeKey: deriveKey(config.secret, 'unsubscribe'), publicUrl: config.publicUrl, mailEnabled: mailer !== null });
  const secretKey = deriveKey(config.secret, 'webhook-secrets');
  const worker = createDeliveryWorker({
    notifications, webhooks, clock, logger, soleProcess: config.database.kind === 'sqlite',
    dispatcher: createDispatcher({ notifications, webhooks, mailEnabled: mailer !== null, publicUrl: config.publicUrl }),
    sendEmail: mailer
      ? createEmailSender({
        notifications, users: deps.users, mailer, readStoredBytes: (key) => readStoredBytes(deps.storage, key), logger, schoolName: config.schoolName, publicUrl: config.publicUrl,
        unsubscribeUrl: preferences.unsubscribeUrl, maxAttempts: Math.max(config.jobs.maxAttempts, 6), backoffMs: config.jobs.backoffMs,
      })
      : null,
    deliverWebhook: createWebhookSender({ webhooks, post: postWebhook, secretKey, allowPrivate: config.webhookAllowPrivate, logger }),
  });
  const endpoints = createWebhookEndpointService({ webhooks, secretKey, allowPrivate: config.webhookAllowPrivate, resolvesToPrivate, clock, wake: () => worker.wake() });
  // Every recording and class change is published on the feed after its transaction: the outbox may have a new row.
  const unsubscribe = deps.feed.subscribe(() => worker.wake());
  return {
    preferences,
    endpoints,
    shareLinks: createShareLinkRepository(deps.db),
    mailStatus: mailer ? ('on' as const) : ('off' as const),
    start: () => worker.start(),
    async close() {
      unsubscribe();
      await worker.stop();
      mailer?.close();
    },
  };
}
