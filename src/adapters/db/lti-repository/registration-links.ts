import type { AdministratorMapping } from '../../../domain/lti/roles';
import type { Db } from '../database';

/** One-time links an LMS registers itself through. */
export function createRegistrationLinkQueries(db: Db) {
  return {
    async insertRegistrationLink(l: { id: string; tokenHash: string; name: string; courseId: string | null; administratorRole: AdministratorMapping; now: string; expiresAt: string }) {
      await db.insertInto('lti_registration_links').values({
        id: l.id, token_hash: l.tokenHash, name: l.name, course_id: l.courseId, administrator_role: l.administratorRole, created_at: l.now, expires_at: l.expiresAt, used_at: null,
      }).execute();
    },
    async getRegistrationLinkByHash(tokenHash: string) {
      return db.selectFrom('lti_registration_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    async markRegistrationLinkUsed(id: string, now: string) {
      const r = await db.updateTable('lti_registration_links').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
