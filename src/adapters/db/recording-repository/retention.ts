import type { Db } from '../database';

/** Deleted recordings whose media is purged once their retention has passed. */
export function createRetentionQueries(db: Db) {
  return {
    async listPurgeable(deletedBefore: string, limit: number) {
      return db.selectFrom('recordings').select(['id']).where('status', '=', 'deleted').where('purged_at', 'is', null).where('deleted_at', '<', deletedBefore).limit(limit).execute();
    },
    async markPurged(id: string, now: string) {
      await db.updateTable('recordings').set({ purged_at: now, media: null, updated_at: now }).where('id', '=', id).where('status', '=', 'deleted').execute();
    },
  };
}
