import type { Db } from '../database';
import { lesson, lessonCols } from './records';

/** Lessons of a chapter or a course, in their order, and what holds them in place. */
export function createLessonQueries(db: Db) {
  return {
    async insertLesson(l: { id: string; courseId: string; chapterId: string; title: string; description: string; position: number; externalId: string | null; now: string }) {
      await db.insertInto('lessons').values({ id: l.id, course_id: l.courseId, chapter_id: l.chapterId, title: l.title, description: l.description, position: l.position, external_id: l.externalId, created_at: l.now, updated_at: l.now }).execute();
    },
    async nextLessonPosition(chapterId: string) {
      const r = await db.selectFrom('lessons').select((eb) => eb.fn.max('position').as('p')).where('chapter_id', '=', chapterId).executeTakeFirst();
      return Number(r?.p ?? 0) + 1;
    },
    async updateLesson(id: string, p: { title?: string | undefined; description?: string | undefined; position?: number | undefined; externalId?: string | null | undefined; now: string }) {
      const r = await db.updateTable('lessons').set({
        ...(p.title !== undefined && { title: p.title }),
        ...(p.description !== undefined && { description: p.description }),
        ...(p.position !== undefined && { position: p.position }),
        ...(p.externalId !== undefined && { external_id: p.externalId }),
        updated_at: p.now,
      }).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async deleteLesson(id: string) {
      return Number((await db.deleteFrom('lessons').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async getLesson(id: string) {
      const r = await db.selectFrom('lessons').select(lessonCols).where('id', '=', id).executeTakeFirst();
      return r ? lesson(r) : null;
    },
    async getLessonByExternalId(externalId: string) {
      const r = await db.selectFrom('lessons').select(lessonCols).where('external_id', '=', externalId).executeTakeFirst();
      return r ? lesson(r) : null;
    },
    async listLessonsOfChapter(chapterId: string) {
      return (await db.selectFrom('lessons').select(lessonCols).where('chapter_id', '=', chapterId).orderBy('position').orderBy('id').execute()).map(lesson);
    },
    async listLessonsOfCourse(courseId: string) {
      return (await db.selectFrom('lessons').select(lessonCols).where('course_id', '=', courseId).orderBy('position').orderBy('id').execute()).map(lesson);
    },
    async lessonExists(id: string) {
      return (await db.selectFrom('lessons').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
    },
    /** Live classes (not deleted) held for lessons of a course, a chapter or one lesson: what keeps them from being deleted. */
    async countLiveClassesOfLessons(of: { courseId: string } | { chapterId: string } | { lessonId: string }) {
      let q = db.selectFrom('live_classes').innerJoin('lessons', 'lessons.id', 'live_classes.lesson_id').select((eb) => eb.fn.countAll<number>().as('n'));
      if ('courseId' in of) q = q.where('lessons.course_id', '=', of.courseId);
      else if ('chapterId' in of) q = q.where('lessons.chapter_id', '=', of.chapterId);
      else q = q.where('lessons.id', '=', of.lessonId);
      return Number((await q.executeTakeFirstOrThrow()).n);
    },
  };
}
