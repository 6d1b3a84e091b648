import type { Db } from './database';
import type { EmailDeliveriesTable } from './schema';

export interface OutboxEventRow {
  id: string;
  type: string;
  subjectId: string;
  data: Record<string, string | null>;
  occurredAt: string;
}

export interface NewEmailDelivery {
  id: string;
  eventId: string;
  kind: string;
  subjectId: string;
  userId: string;
  toAddress: string;
  status: 'pending' | 'skipped';
  lastError: string | null;
}

export interface NewWebhookMessage {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
}

export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: string;
  emailEnabled: boolean;
  refusedAt: string | null;
}

/** Ids, LMS external ids and what a mail shows about a recording and its class. */
export interface ClassContext {
  liveClassId: string;
  liveClassTitle: string;
  provider: string;
  startedAt: string | null;
  endedAt: string | null;
  batchId: string;
  batchName: string;
  batchExternalId: string | null;
  lessonId: string | null;
  lessonTitle: string | null;
  lessonExternalId: string | null;
  courseId: string | null;
  courseTitle: string | null;
  courseExternalId: string | null;
}

export interface RecordingContext extends ClassContext {
  recordingId: string;
  title: string;
  status: string;
  durationSeconds: number | null;
  media: string | null;
  processingError: string | null;
}

/** What the notification worker reads and writes: the outbox, mails, and each user's mail setting. */
export function createNotificationRepository(db: Db) {
  const classQuery = () =>
    db
      .selectFrom('live_classes as c')
      .innerJoin('batches as b', 'b.id', 'c.batch_id')
      .leftJoin('lessons as l', 'l.id', 'c.lesson_id')
      .leftJoin('courses as co', 'co.id', 'l.course_id')
      .select([
        'c.id as liveClassId', 'c.title as liveClassTitle', 'c.provider', 'c.started_at as startedAt', 'c.ended_at as endedAt', 'b.id as batchId', 'b.name as batchName',
        'b.external_id as batchExternalId', 'l.id as lessonId', 'l.title as lessonTitle', 'l.external_id as lessonExternalId', 'co.id as courseId',
        'co.title as courseTitle', 'co.external_id as courseExternalId',
      ]);

  async function recipients(userIds: string[]): Promise<Recipient[]> {
    if (userIds.length === 0) return [];
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('notification_settings as s', 's.user_id', 'u.id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 's.email_enabled', 's.email_refused_at'])
      .where('u.id', 'in', userIds)
      .orderBy('u.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, role: r.role, emailEnabled: r.email_enabled !== 0, refusedAt: r.email_refused_at }));
  }

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

    async recordingContext(recordingId: string): Promise<RecordingContext | null> {
      const r = await classQuery()
        .innerJoin('recordings as r', 'r.live_class_id', 'c.id')
        .select(['r.id as recordingId', 'r.title', 'r.status', 'r.duration_seconds as durationSeconds', 'r.media', 'r.processing_error as processingError'])
        .where('r.id', '=', recordingId)
        .executeTakeFirst();
      return r ?? null;
    },

    async classContext(liveClassId: string): Promise<ClassContext | null> {
      return (await classQuery().where('c.id', '=', liveClassId).executeTakeFirst()) ?? null;
    },

    /** The people a recording's mail goes to: its batch's instructors and students, or instructors and admins. */
    async recipientsOf(batchId: string, who: 'class' | 'staff'): Promise<Recipient[]> {
      const instructors = await db.selectFrom('batch_instructors').select('user_id').where('batch_id', '=', batchId).execute();
      const others = who === 'class'
        ? await db.selectFrom('enrollments').select('user_id').where('batch_id', '=', batchId).execute()
        : await db.selectFrom('users').select('id as user_id').where('role', '=', 'admin').execute();
      return recipients([...new Set([...instructors, ...others].map((r) => r.user_id))]);
    },

    async claimDueEmails(limit: number, now: string, leaseUntil: string): Promise<EmailDeliveriesTable[]> {
      const candidates = await db
        .selectFrom('email_deliveries')
        .select('id')
        .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', now)])]))
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      if (candidates.length === 0) return [];
      return db
        .updateTable('email_deliveries')
        .set((eb) => ({ status: 'sending', locked_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('id', 'in', candidates.map((c) => c.id))
        .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', now)])]))
        .returningAll()
        .execute();
    },

    async finishEmail(id: string, patch: { status: 'sent' | 'failed' | 'skipped' | 'pending'; lastError: string | null; nextAttemptAt?: string; now: string }) {
      await db.updateTable('email_deliveries').set({
        status: patch.status, last_error: patch.lastError, locked_until: null, updated_at: patch.now,
        ...(patch.status === 'sent' && { sent_at: patch.now }),
        ...(patch.nextAttemptAt && { next_attempt_at: patch.nextAttemptAt }),
      }).where('id', '=', id).execute();
    },

    /** After a crash of the only process, mails it was sending are due again at once instead of after their lease. */
    async releaseLeases(now: string) {
      await db.updateTable('email_deliveries').set({ status: 'pending', locked_until: null, next_attempt_at: now }).where('status', '=', 'sending').execute();
      await db.updateTable('webhook_messages').set({ status: 'pending', locked_until: null, next_attempt_at: now }).where('status', '=', 'sending').execute();
      await db.updateTable('outbox_events').set({ locked_until: null }).where('dispatched_at', 'is', null).execute();
    },

    async getSettings(userId: string) {
      const r = await db.selectFrom('notification_settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return { email: r ? r.email_enabled !== 0 : true, emailRefusedAt: r?.email_refused_at ?? null, emailRefusedReason: r?.email_refused_reason ?? null };
    },

    /** Turning mail on again also forgets an earlier refusal: the user says the mailbox works now. */
    async setEmailEnabled(userId: string, enabled: boolean, now: string) {
      await db.insertInto('notification_settings').values({ user_id: userId, email_enabled: enabled ? 1 : 0, email_refused_at: null, email_refused_reason: null, updated_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email_enabled: enabled ? 1 : 0, updated_at: now, ...(enabled && { email_refused_at: null, email_refused_reason: null }) })).execute();
    },

    /** The mail server refused the address for good: later mails to this user are skipped until the address changes. */
    async markAddressRefused(userId: string, reason: string, now: string) {
      await db.insertInto('notification_settings').values({ user_id: userId, email_enabled: 1, email_refused_at: now, email_refused_reason: reason, updated_at: now })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ email_refused_at: now, email_refused_reason: reason, updated_at: now })).execute();
    },

    async emailsOf(subjectId: string) {
      return db.selectFrom('email_deliveries').select(['id', 'kind', 'user_id as userId', 'to_address as to', 'status', 'attempts', 'last_error as lastError', 'sent_at as sentAt'])
        .where('subject_id', '=', subjectId).orderBy('id').execute();
    },
  };
}

export type NotificationRepository = ReturnType<typeof createNotificationRepository>;
