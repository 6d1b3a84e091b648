import type { Db } from '../database';
import { chapter, chapterCols } from './records';

/** Chapters of a course, in their order. */
export function createChapterQueries(db: Db) {
  return {
    async insertChapter(c: { id: string; courseId: string; title: string; position: number; externalId: string | null; now: string }) {
      await db.insertInto('chapters').values({ id: c.id, course_id: c.courseId, title: c.title, position: c.position, external_id: c.externalId, created_at: c.now, updated_at: c.now }).execute();
    },
    async nextChapterPosition(courseId: string) {
      const r = await db.selectFrom('chapters').select((eb) => eb.fn.max('position').as('p')).where('course_id', '=', courseId).executeTakeFirst();
      return Number(r?.p ?? 0) + 1;
    },
    async updateChapter(id: string, p: { title?: string | undefined; position?: number | undefined; externalId?: string | null | undefined; now: string }) {
      const r = await db.updateTable('chapters').set({
        ...(p.title !== undefined && { title: p.title }),
        ...(p.position !== undefined && { position: p.position }),
        ...(p.externalId !== undefined && { external_id: p.externalId }),
        updated_at: p.now,
      }).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async deleteChapter(id: string) {
      return Number((await db.deleteFrom('chapters').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async getChapter(id: string) {
      const r = await db.selectFrom('chapters').select(chapterCols).where('id', '=', id).executeTakeFirst();
      return r ? chapter(r) : null;
    },
    async listChapters(courseId: string) {
      return (await db.selectFrom('chapters').select(chapterCols).where('course_id', '=', courseId).orderBy('position').orderBy('id').execute()).map(chapter);
    },
  };
}
