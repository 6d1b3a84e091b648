import type { ViewerBatches } from '../../domain/access';
import type { Db } from './database';
import { type Page, type PageRequest, toPage } from './pagination';

export interface CourseRecord { id: string; title: string; description: string; externalId: string | null; createdAt: string; updatedAt: string }
export interface ChapterRecord { id: string; courseId: string; title: string; position: number; externalId: string | null; createdAt: string; updatedAt: string }
export interface LessonRecord { id: string; courseId: string; chapterId: string; title: string; description: string; position: number; externalId: string | null; createdAt: string; updatedAt: string }
export interface BatchRecord { id: string; name: string; externalId: string | null; courseIds: string[]; createdAt: string; updatedAt: string }

const course = (r: { id: string; title: string; description: string; external_id: string | null; created_at: string; updated_at: string }): CourseRecord => ({
  id: r.id, title: r.title, description: r.description, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
const chapter = (r: { id: string; course_id: string; title: string; position: number; external_id: string | null; created_at: string; updated_at: string }): ChapterRecord => ({
  id: r.id, courseId: r.course_id, title: r.title, position: r.position, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
const lesson = (r: { id: string; course_id: string; chapter_id: string; title: string; description: string; position: number; external_id: string | null; created_at: string; updated_at: string }): LessonRecord => ({
  id: r.id, courseId: r.course_id, chapterId: r.chapter_id, title: r.title, description: r.description, position: r.position, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** A filter limiting rows to what a non-admin may see; null means no limit (admin). */
export type BatchScope = { batchIds: string[] } | null;

export function createCatalogRepository(db: Db) {
  const courseCols = ['id', 'title', 'description', 'external_id', 'created_at', 'updated_at'] as const;
  const chapterCols = ['id', 'course_id', 'title', 'position', 'external_id', 'created_at', 'updated_at'] as const;
  const lessonCols = ['id', 'course_id', 'chapter_id', 'title', 'description', 'position', 'external_id', 'created_at', 'updated_at'] as const;

  async function courseIdsOfBatches(batchIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (batchIds.length === 0) return map;
    const rows = await db.selectFrom('batch_courses').select(['batch_id', 'course_id']).where('batch_id', 'in', batchIds).orderBy('course_id').execute();
    for (const r of rows) map.set(r.batch_id, [...(map.get(r.batch_id) ?? []), r.course_id]);
    return map;
  }

  return {
    // ---- courses
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

    // ---- chapters
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

    // ---- lessons
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

    // ---- batches
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
    async getBatch(id: string): Promise<BatchRecord | null> {
      const r = await db.selectFrom('batches').select(['id', 'name', 'external_id', 'created_at', 'updated_at']).where('id', '=', id).executeTakeFirst();
      if (!r) return null;
      const courses = await courseIdsOfBatches([id]);
      return { id: r.id, name: r.name, externalId: r.external_id, courseIds: courses.get(id) ?? [], createdAt: r.created_at, updatedAt: r.updated_at };
    },
    async getBatchByExternalId(externalId: string) {
      const r = await db.selectFrom('batches').select('id').where('external_id', '=', externalId).executeTakeFirst();
      return r ? this.getBatch(r.id) : null;
    },
    async listBatches(scope: BatchScope, page: PageRequest): Promise<Page<BatchRecord>> {
      let q = db.selectFrom('batches').select(['id', 'name', 'external_id', 'created_at', 'updated_at']).orderBy('id').limit(page.limit + 1);
      if (scope) {
        if (scope.batchIds.length === 0) return { items: [], nextCursor: null };
        q = q.where('id', 'in', scope.batchIds);
      }
      if (page.cursor) q = q.where('id', '>', page.cursor);
      const rows = await q.execute();
      const courses = await courseIdsOfBatches(rows.map((r) => r.id));
      return toPage(
        rows.map((r) => ({ id: r.id, name: r.name, externalId: r.external_id, courseIds: courses.get(r.id) ?? [], createdAt: r.created_at, updatedAt: r.updated_at })),
        page.limit,
      );
    },

    // ---- membership
    async addMember(table: 'enrollments' | 'batch_instructors', batchId: string, userId: string, now: string) {
      const existing = await db.selectFrom(table).select('user_id').where('batch_id', '=', batchId).where('user_id', '=', userId).executeTakeFirst();
      if (existing) return false;
      await db.insertInto(table).values({ batch_id: batchId, user_id: userId, created_at: now }).execute();
      return true;
    },
    async removeMember(table: 'enrollments' | 'batch_instructors', batchId: string, userId: string) {
      return Number((await db.deleteFrom(table).where('batch_id', '=', batchId).where('user_id', '=', userId).executeTakeFirst()).numDeletedRows) > 0;
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

    async batchExists(id: string) {
      return (await db.selectFrom('batches').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
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

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
