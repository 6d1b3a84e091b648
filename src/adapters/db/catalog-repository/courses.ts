import type { Db } from '../database';
import { type Page, type PageRequest, toPage } from '../pagination';
import { type BatchScope, course, courseCols, type CourseRecord } from './records';

/** Courses, listed through the batches a viewer belongs to. */
export function createCourseQueries(db: Db) {
  return {
    async insertCourse(c: { id: string; title: string; description: string; externalId: string | null; now: string }) {
      await db.insertInto('courses').values({ id: c.id, title: c.title, description: c.description, external_id: c.externalId, created_at: c.now, updated_at: c.now }).execute();
    },
    async updateCourse(id: string, p: { title?: string | undefined; description?: string | undefined; externalId?: string | null | undefined; now: string }) {
      const r = await db.updateTable('courses').set({
        ...(p.title !== undefined && { title: p.title }),
        ...(p.description !== undefined && { description: p.description }),
        ...(p.externalId !== undefined && { external_id: p.externalId }),
        updated_at: p.now,
      }).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async deleteCourse(id: string) {
      return Number((await db.deleteFrom('courses').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async getCourse(id: string) {
      const r = await db.selectFrom('courses').select(courseCols).where('id', '=', id).executeTakeFirst();
      return r ? course(r) : null;
    },
    async getCourseByExternalId(externalId: string) {
      const r = await db.selectFrom('courses').select(courseCols).where('external_id', '=', externalId).executeTakeFirst();
      return r ? course(r) : null;
    },
    /** Courses visible through the given batches (students and instructors), or all (admin). */
    async listCourses(scope: BatchScope, page: PageRequest): Promise<Page<CourseRecord>> {
      let q = db.selectFrom('courses').select(courseCols).orderBy('id').limit(page.limit + 1);
      if (scope) {
        if (scope.batchIds.length === 0) return { items: [], nextCursor: null };
        q = q.where('id', 'in', db.selectFrom('batch_courses').select('course_id').where('batch_id', 'in', scope.batchIds));
      }
      if (page.cursor) q = q.where('id', '>', page.cursor);
      return toPage((await q.execute()).map(course), page.limit);
    },
    /** One indexed lookup: does the user study in (or teach) a batch that takes this course? */
    async isCourseVisibleToUser(courseId: string, userId: string, as: 'student' | 'instructor') {
      const members = as === 'student' ? 'enrollments' : 'batch_instructors';
      const r = await db
        .selectFrom('batch_courses')
        .select('batch_courses.course_id')
        .where('batch_courses.course_id', '=', courseId)
        .where('batch_courses.batch_id', 'in', db.selectFrom(members).select('batch_id').where('user_id', '=', userId))
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },
  };
}
