import type { Db } from '../database';
import { chunk } from './records';

/** Platform subjects linked to Aula users. */
export function createLtiUserQueries(db: Db) {
  return {
    async userIdOfSubject(platformId: string, subject: string) {
      return (await db.selectFrom('lti_users').select('user_id').where('platform_id', '=', platformId).where('subject', '=', subject).executeTakeFirst())?.user_id ?? null;
    },
    async linkUser(platformId: string, subject: string, userId: string) {
      await db.insertInto('lti_users').values({ platform_id: platformId, subject, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
    },
    /** Aula users of the given subjects, with their roles. */
    async usersOfSubjects(platformId: string, subjects: string[]) {
      const out = new Map<string, { userId: string; role: 'admin' | 'instructor' | 'student' }>();
      for (const part of chunk(subjects)) {
        const rows = await db.selectFrom('lti_users as l').innerJoin('users as u', 'u.id', 'l.user_id').select(['l.subject', 'u.id', 'u.role'])
          .where('l.platform_id', '=', platformId).where('l.subject', 'in', part).execute();
        for (const r of rows) out.set(r.subject, { userId: r.id, role: r.role });
      }
      return out;
    },
  };
}
