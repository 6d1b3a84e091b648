import type { Db } from '../database';
import type { EmailDeliveriesTable } from '../schema';

/** Mails due, sent, failed or skipped. */
export function createEmailQueries(db: Db) {
  return {
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
    async emailsOf(subjectId: string) {
      return db.selectFrom('email_deliveries').select(['id', 'kind', 'user_id as userId', 'to_address as to', 'status', 'attempts', 'last_error as lastError', 'sent_at as sentAt'])
        .where('subject_id', '=', subjectId).orderBy('id').execute();
    },
  };
}
