import type { ViewerBatches } from '../../../domain/access';
import type { Db } from '../database';

/** Who studies in and who teaches each batch. */
export function createMembershipQueries(db: Db) {
  return {
    async addMember(table: 'enrollments' | 'batch_instructors', batchId: string, userId: string, now: string) {
      const existing = await db.selectFrom(table).select('user_id').where('batch_id', '=', batchId).where('user_id', '=', userId).executeTakeFirst();
      if (existing) return false;
      await db.insertInto(table).values({ batch_id: batchId, user_id: userId, created_at: now }).execute();
      return true;
    },
    async removeMember(table: 'enrollments' | 'batch_instructors', batchId: string, userId: string) {
      return Number((await db.deleteFrom(table).where('batch_id', '=', batchId).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows) > 0;
    },
    async countMembers(table: 'enrollments' | 'batch_instructors', batchId: string): Promise<number> {
      const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', batchId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listMembers(table: 'enrollments' | 'batch_instructors', batchId: string) {
      const members = await db.selectFrom(table).select(['user_id', 'created_at']).where('batch_id', '=', batchId).execute();
      if (members.length === 0) return [];
      const since = new Map(members.map((m) => [m.user_id, m.created_at]));
      const users = await db
        .selectFrom('users')
        .select(['id', 'name', 'email', 'external_id'])
        .where('id', 'in', [...since.keys()])
        .orderBy('name')
        .orderBy('id')
        .execute();
      return users.map((u) => ({ id: u.id, name: u.name, email: u.email, externalId: u.external_id, since: since.get(u.id) ?? null }));
    },
    /**
     * The batches a user studies in (student) or teaches (instructor): the input of every access decision.
     * A role only ever has its own kind of tie, so one table is read.
     */
    async getViewerBatches(userId: string, role: 'student' | 'instructor'): Promise<ViewerBatches> {
      const rows = await db.selectFrom(role === 'student' ? 'enrollments' : 'batch_instructors').select('batch_id').where('user_id', '=', userId).execute();
      const ids = new Set(rows.map((r) => r.batch_id));
      return role === 'student' ? { enrolledBatchIds: ids, instructedBatchIds: new Set() } : { enrolledBatchIds: new Set(), instructedBatchIds: ids };
    },
  };
}
