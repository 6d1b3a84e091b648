import type { Db } from '../database';

/** Each user's mail setting, and addresses the mail server refused. */
export function createSettingQueries(db: Db) {
  return {
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
  };
}
