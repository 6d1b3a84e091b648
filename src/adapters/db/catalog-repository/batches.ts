import type { Db } from '../database';
import { type Page, type PageRequest, toPage } from '../pagination';
import { batch, batchCols, type BatchRecord, type BatchScope } from './records';

/** The courses each batch takes, in course id order. */
async function courseIdsOfBatches(db: Db, batchIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (batchIds.length === 0) return map;
  const rows = await db.selectFrom('batch_courses').select(['batch_id', 'course_id']).where('batch_id', 'in', batchIds).orderBy('course_id').execute();
  for (const r of rows) map.set(r.batch_id, [...(map.get(r.batch_id) ?? []), r.course_id]);
  return map;
}

/** Batches and the courses they take. */
export function createBatchQueries(db: Db) {
  async function getBatch(id: string): Promise<BatchRecord | null> {
    const r = await db.selectFrom('batches').select(batchCols).where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const courses = await courseIdsOfBatches(db, [id]);
    return batch(r, courses.get(id) ?? []);
  }

  return {
    async insertBatch(b: { id: string; name: string; externalId: string | null; courseIds: string[]; now: string }) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('batches').values({ id: b.id, name: b.name, external_id: b.externalId, created_at: b.now, updated_at: b.now }).execute();
        if (b.courseIds.length) await trx.insertInto('batch_courses').values(b.courseIds.map((course_id) => ({ batch_id: b.id, course_id }))).execute();
      });
    },
    async updateBatch(id: string, p: { name?: string | undefined; externalId?: string | null | undefined; courseIds?: string[] | undefined; now: string }) {
      return db.transaction().execute(async (trx) => {
        const r = await trx.updateTable('batches').set({
          ...(p.name !== undefined && { name: p.name }),
          ...(p.externalId !== undefined && { external_id: p.externalId }),
          updated_at: p.now,
        }).where('id', '=', id).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) return false;
        if (p.courseIds) {
          await trx.deleteFrom('batch_courses').where('batch_id', '=', id).execute();
          if (p.courseIds.length) await trx.insertInto('batch_courses').values(p.courseIds.map((course_id) => ({ batch_id: id, course_id }))).execute();
        }
        return true;
      });
    },
    async deleteBatch(id: string) {
      return Number((await db.deleteFrom('batches').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },
    getBatch,
    async getBatchByExternalId(externalId: string) {
      const r = await db.selectFrom('batches').select('id').where('external_id', '=', externalId).executeTakeFirst();
      return r ? getBatch(r.id) : null;
    },
    async listBatches(scope: BatchScope, page: PageRequest): Promise<Page<BatchRecord>> {
      let q = db.selectFrom('batches').select(batchCols).orderBy('id').limit(page.limit + 1);
      if (scope) {
        if (scope.batchIds.length === 0) return { items: [], nextCursor: null };
        q = q.where('id', 'in', scope.batchIds);
      }
      if (page.cursor) q = q.where('id', '>', page.cursor);
      const rows = await q.execute();
      const courses = await courseIdsOfBatches(db, rows.map((r) => r.id));
      return toPage(rows.map((r) => batch(r, courses.get(r.id) ?? [])), page.limit);
    },
    async batchExists(id: string) {
      return (await db.selectFrom('batches').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
    },
    /** Courses whose lessons the batch's live classes are held for: a batch cannot stop taking them. */
    async courseIdsUsedByClassesOfBatch(batchId: string) {
      const rows = await db
        .selectFrom('live_classes')
        .innerJoin('lessons', 'lessons.id', 'live_classes.lesson_id')
        .select('lessons.course_id')
        .distinct()
        .where('live_classes.batch_id', '=', batchId)
        .where('live_classes.deleted_at', 'is', null)
        .execute();
      return rows.map((r) => r.course_id);
    },
  };
}
