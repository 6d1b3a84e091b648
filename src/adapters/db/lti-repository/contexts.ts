import type { Db } from '../database';
import { chunk } from './records';

/** LMS contexts, the batches they feed, and the members a roster sync adds and removes. */
export function createContextQueries(db: Db) {
  return {
    async getContext(platformId: string, contextId: string) {
      return db.selectFrom('lti_contexts').selectAll().where('platform_id', '=', platformId).where('context_id', '=', contextId).executeTakeFirst();
    },
    async getContextById(id: string) {
      return db.selectFrom('lti_contexts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async insertContext(c: { id: string; platformId: string; contextId: string; batchId: string; title: string; membershipsUrl: string | null; now: string }) {
      await db.insertInto('lti_contexts').values({
        id: c.id, platform_id: c.platformId, context_id: c.contextId, batch_id: c.batchId, title: c.title, memberships_url: c.membershipsUrl, last_synced_at: null, created_at: c.now,
      }).execute();
    },
    async updateContext(id: string, patch: { title: string; membershipsUrl: string | null }) {
      await db.updateTable('lti_contexts').set({ title: patch.title, memberships_url: patch.membershipsUrl }).where('id', '=', id).execute();
    },
    async markContextSynced(id: string, now: string) {
      await db.updateTable('lti_contexts').set({ last_synced_at: now }).where('id', '=', id).execute();
    },
    async contextIdsWithRoster() {
      return (await db.selectFrom('lti_contexts').select('id').where('memberships_url', 'is not', null).orderBy('id').execute()).map((r) => r.id);
    },
    async listContexts(platformId: string) {
      return db.selectFrom('lti_contexts').selectAll().where('platform_id', '=', platformId).orderBy('id').execute();
    },

    /** Batch members (students or instructors) who came from this platform: the ones a roster sync may remove. */
    async platformMembersOfBatch(table: 'enrollments' | 'batch_instructors', batchId: string, platformId: string) {
      const rows = await db.selectFrom(table).innerJoin('lti_users', 'lti_users.user_id', `${table}.user_id`).select(`${table}.user_id as user_id`)
        .where(`${table}.batch_id`, '=', batchId).where('lti_users.platform_id', '=', platformId).execute();
      return new Set(rows.map((r) => r.user_id));
    },
    async addMembers(table: 'enrollments' | 'batch_instructors', batchId: string, userIds: string[], now: string) {
      for (const part of chunk(userIds)) {
        if (part.length) await db.insertInto(table).values(part.map((u) => ({ batch_id: batchId, user_id: u, created_at: now }))).onConflict((oc) => oc.doNothing()).execute();
      }
    },
    async removeMembers(table: 'enrollments' | 'batch_instructors', batchId: string, userIds: string[]) {
      for (const part of chunk(userIds)) if (part.length) await db.deleteFrom(table).where('batch_id', '=', batchId).where('user_id', 'in', part).execute();
    },
  };
}
