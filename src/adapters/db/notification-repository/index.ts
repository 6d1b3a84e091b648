import type { Db } from '../database';
import { createContextQueries } from './contexts';
import { createEmailQueries } from './emails';
import { createOutboxQueries } from './outbox';
import { createSettingQueries } from './settings';

export type { ClassContext, NewEmailDelivery, NewWebhookMessage, OutboxEventRow, Recipient, RecordingContext } from './records';

/** What the notification worker reads and writes: the outbox, mails, and each user's mail setting. */
export function createNotificationRepository(db: Db) {
  return {
    ...createOutboxQueries(db),
    ...createContextQueries(db),
    ...createEmailQueries(db),
    ...createSettingQueries(db),
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
