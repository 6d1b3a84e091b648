import type { Db } from '../database';
import type { NewEmailDelivery, NewWebhookMessage, OutboxEventRow } from './records';

/** The outbox: events claimed by one worker at a time, fanned out to mails and webhook messages. */
export function createOutboxQueries(db: Db) {
  return {
    /** Takes up to `limit` undispatched events for this worker until `leaseUntil` (another worker takes them after). */
    async claimEvents(limit: number, now: string, leaseUntil: string): Promise<OutboxEventRow[]> {
      const candidates = await db
        .selectFrom('outbox_events')
        .select('id')
        .where('dispatched_at', 'is', null)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('id')
        .limit(limit)
        .execute();
      if (candidates.length === 0) return [];
      const rows = await db
        .updateTable('outbox_events')
        .set({ locked_until: leaseUntil })
        .where('id', 'in', candidates.map((c) => c.id))
        .where('dispatched_at', 'is', null)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .returning(['id', 'type', 'subject_id', 'data', 'occurred_at'])
        .execute();
      return rows
        .map((r) => ({ id: r.id, type: r.type, subjectId: r.subject_id, data: JSON.parse(r.data) as Record<string, string | null>, occurredAt: r.occurred_at }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    /** Mails and webhook messages of one event, and the event marked done, in one transaction; repeats add nothing. */
    async fanOut(eventId: string, mails: NewEmailDelivery[], messages: NewWebhookMessage[], now: string) {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < mails.length; i += 200) {
          await trx.insertInto('email_deliveries').values(mails.slice(i, i + 200).map((m) => ({
            id: m.id, event_id: m.eventId, kind: m.kind, subject_id: m.subjectId, user_id: m.userId, to_address: m.toAddress, status: m.status,
            attempts: 0, next_attempt_at: now, locked_until: null, last_error: m.lastError, sent_at: null, created_at: now, updated_at: now,
          }))).onConflict((oc) => oc.columns(['kind', 'subject_id', 'user_id']).doNothing()).execute();
        }
        if (messages.length > 0) {
          await trx.insertInto('webhook_messages').values(messages.map((m) => ({
            id: m.id, endpoint_id: m.endpointId, event_id: m.eventId, event_type: m.eventType, payload: m.payload, status: 'pending', attempts: 0,
            next_attempt_at: now, locked_until: null, last_status_code: null, last_error: null, delivered_at: null, created_at: now, updated_at: now,
          }))).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).execute();
        }
        await trx.updateTable('outbox_events').set({ dispatched_at: now, locked_until: null }).where('id', '=', eventId).execute();
      });
    },
    /** After a crash of the only process, mails it was sending are due again at once instead of after their lease. */
    async releaseLeases(now: string) {
      await db.updateTable('email_deliveries').set({ status: 'pending', locked_until: null, next_attempt_at: now }).where('status', '=', 'sending').execute();
      await db.updateTable('webhook_messages').set({ status: 'pending', locked_until: null, next_attempt_at: now }).where('status', '=', 'sending').execute();
      await db.updateTable('outbox_events').set({ locked_until: null }).where('dispatched_at', 'is', null).execute();
    },
  };
}
