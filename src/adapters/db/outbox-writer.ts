import type { Transaction } from 'kysely';
import type { OutboxEvent } from '../../domain/notifications/events';
import { newId } from '../crypto';
import type { Database } from './schema';

/**
 * Writes outbox rows inside the caller's transaction, so the event exists exactly when the change it reports does.
 * The notification worker fans them out to mails and webhook messages.
 */
export async function insertOutboxEvents(trx: Transaction<Database>, events: readonly OutboxEvent[] | undefined, now: string): Promise<void> {
  if (!events?.length) return;
  await trx.insertInto('outbox_events').values(events.map((e) => ({
    id: newId(), type: e.type, subject_id: e.subjectId, data: JSON.stringify(e.data), occurred_at: now, dispatched_at: null, locked_until: null,
  }))).execute();
}
