import type { Clock } from '../adapters/clock';
import { isoNow } from '../adapters/clock';
import { newId } from '../adapters/crypto';
import type { BatchScope, CatalogRepository } from '../adapters/db/catalog-repository';
import type { IdentityRepository } from '../adapters/db/identity-repository';
import type { PageRequest } from '../adapters/db/pagination';
import { AccessDenied, Conflict, NotFound, Unprocessable } from '../domain/errors';
import { type Principal, requireRole } from '../domain/identity';
import { createViewerAccess } from './viewer-access';

export interface CatalogServiceDeps {
  catalog: CatalogRepository;
  users: IdentityRepository;
  clock: Clock;
}

export function createCatalogService(deps: CatalogServiceDeps) {
  const { catalog, clock } = deps;

  const access = createViewerAccess(catalog);
  /** Batches a non-admin may see, or null for admins (no limit). */
  async function scopeOf(viewer: Principal): Promise<BatchScope> {
    const batchIds = await access.batchScope(viewer);
    return batchIds ? { batchIds } : null;
  }

  async function assertCourseVisible(viewer: Principal, courseId: string) {
    if (viewer.role === 'admin' || viewer.kind !== 'user') return;
    if (!(await catalog.isCourseVisibleToUser(courseId, viewer.userId, viewer.role))) {
      throw new AccessDenied('This course is not part of any of your batches');
    }
  }

  async function mustCourse(id: string) {
    const c = await catalog.getCourse(id);
    if (!c) throw new NotFound('Course', id);
    return c;
  }
  async function mustChapter(id: string) {
    const c = await catalog.getChapter(id);
    if (!c) throw new NotFound('Chapter', id);
    return c;
  }
  async function mustLesson(id: string) {
    const l = await catalog.getLesson(id);
    if (!l) throw new NotFound('Lesson', id);
    return l;
  }
  async function mustBatch(id: string) {
    const b = await catalog.getBatch(id);
    if (!b) throw new NotFound('Batch', id);
    return b;
  }
  async function assertCoursesExist(courseIds: string[]) {
    for (const id of courseIds) if (!(await catalog.getCourse(id))) throw new Unprocessable(`Course ${id} does not exist`);
  }
  async function assertExternalIdFree(kind: string, externalId: string | null | undefined, lookup: (e: string) => Promise<{ id: string } | null>, selfId?: string) {
    if (!externalId) return;
    const other = await lookup(externalId);
    if (other && other.id !== selfId) throw new Conflict(`A ${kind} with externalId ${externalId} already exists`);
  }

  /**
   * Live classes (and so their recordings) point at lessons; deleting what they point at is refused rather than
   * silently cutting recordings off their lesson page.
   */
  async function assertNoLiveClasses(what: string, of: Parameters<CatalogRepository['countLiveClassesOfLessons']>[0]) {
    const n = await catalog.countLiveClassesOfLessons(of);
    if (n > 0) throw new Conflict(`${what} has ${n} live class${n === 1 ? '' : 'es'} (with their recordings) held for its lessons; move them to another lesson or delete them first`);
  }

  return {
    scopeOf,

    // ---- courses
    async createCourse(actor: Principal, input: { title: string; description?: string | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await assertExternalIdFree('course', input.externalId, (e) => catalog.getCourseByExternalId(e));
      const id = newId();
      await catalog.insertCourse({ id, title: input.title, description: input.description ?? '', externalId: input.externalId ?? null, now: isoNow(clock) });
      return mustCourse(id);
    },
    async updateCourse(actor: Principal, id: string, patch: { title?: string | undefined; description?: string | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await mustCourse(id);
      await assertExternalIdFree('course', patch.externalId, (e) => catalog.getCourseByExternalId(e), id);
      await catalog.updateCourse(id, { ...patch, now: isoNow(clock) });
      return mustCourse(id);
    },
    async deleteCourse(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      await mustCourse(id);
      await assertNoLiveClasses(`Course ${id}`, { courseId: id });
      if (!(await catalog.deleteCourse(id))) throw new NotFound('Course', id);
    },
    async getCourse(viewer: Principal, id: string) {
      const c = await mustCourse(id);
      await assertCourseVisible(viewer, id);
      return c;
    },
    async getCourseByExternalId(viewer: Principal, externalId: string) {
      const c = await catalog.getCourseByExternalId(externalId);
      if (!c) throw new NotFound('Course with externalId', externalId);
      await assertCourseVisible(viewer, c.id);
      return c;
    },
    async listCourses(viewer: Principal, page: PageRequest) {
      return catalog.listCourses(await scopeOf(viewer), page);
    },
    /** The course with its chapters and lessons in order: what a course page shows. */
    async getCourseOutline(viewer: Principal, id: string) {
      const c = await this.getCourse(viewer, id);
      const [chapters, lessons] = await Promise.all([catalog.listChapters(id), catalog.listLessonsOfCourse(id)]);
      return { ...c, chapters: chapters.map((ch) => ({ ...ch, lessons: lessons.filter((l) => l.chapterId === ch.id) })) };
    },

    // ---- chapters
    async createChapter(actor: Principal, courseId: string, input: { title: string; position?: number | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await mustCourse(courseId);
      const id = newId();
      await catalog.insertChapter({
        id, courseId, title: input.title, externalId: input.externalId ?? null,
        position: input.position ?? (await catalog.nextChapterPosition(courseId)), now: isoNow(clock),
      });
      return mustChapter(id);
    },
    async updateChapter(actor: Principal, id: string, patch: { title?: string | undefined; position?: number | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await mustChapter(id);
      await catalog.updateChapter(id, { ...patch, now: isoNow(clock) });
      return mustChapter(id);
    },
    async deleteChapter(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      await mustChapter(id);
      await assertNoLiveClasses(`Chapter ${id}`, { chapterId: id });
      if (!(await catalog.deleteChapter(id))) throw new NotFound('Chapter', id);
    },
    async getChapter(viewer: Principal, id: string) {
      const ch = await mustChapter(id);
      await assertCourseVisible(viewer, ch.courseId);
      return { ...ch, lessons: await catalog.listLessonsOfChapter(id) };
    },
    async listChapters(viewer: Principal, courseId: string) {
      await mustCourse(courseId);
      await assertCourseVisible(viewer, courseId);
      return catalog.listChapters(courseId);
    },

    // ---- lessons
    async createLesson(actor: Principal, chapterId: string, input: { title: string; description?: string | undefined; position?: number | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      const ch = await mustChapter(chapterId);
      await assertExternalIdFree('lesson', input.externalId, (e) => catalog.getLessonByExternalId(e));
      const id = newId();
      await catalog.insertLesson({
        id, courseId: ch.courseId, chapterId, title: input.title, description: input.description ?? '', externalId: input.externalId ?? null,
        position: input.position ?? (await catalog.nextLessonPosition(chapterId)), now: isoNow(clock),
      });
      return mustLesson(id);
    },
    async updateLesson(actor: Principal, id: string, patch: { title?: string | undefined; description?: string | undefined; position?: number | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await mustLesson(id);
      await assertExternalIdFree('lesson', patch.externalId, (e) => catalog.getLessonByExternalId(e), id);
      await catalog.updateLesson(id, { ...patch, now: isoNow(clock) });
      return mustLesson(id);
    },
    async deleteLesson(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      await mustLesson(id);
      await assertNoLiveClasses(`Lesson ${id}`, { lessonId: id });
      if (!(await catalog.deleteLesson(id))) throw new NotFound('Lesson', id);
    },
    async getLesson(viewer: Principal, id: string) {
      const l = await mustLesson(id);
      await assertCourseVisible(viewer, l.courseId);
      return l;
    },
    async getLessonByExternalId(viewer: Principal, externalId: string) {
      const l = await catalog.getLessonByExternalId(externalId);
      if (!l) throw new NotFound('Lesson with externalId', externalId);
      await assertCourseVisible(viewer, l.courseId);
      return l;
    },
    async listLessons(viewer: Principal, chapterId: string) {
      const ch = await mustChapter(chapterId);
      await assertCourseVisible(viewer, ch.courseId);
      return catalog.listLessonsOfChapter(chapterId);
    },

    // ---- batches
    async createBatch(actor: Principal, input: { name: string; courseIds?: string[] | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      const courseIds = [...new Set(input.courseIds ?? [])];
      await assertCoursesExist(courseIds);
      await assertExternalIdFree('batch', input.externalId, (e) => catalog.getBatchByExternalId(e));
      const id = newId();
      await catalog.insertBatch({ id, name: input.name, externalId: input.externalId ?? null, courseIds, now: isoNow(clock) });
      return mustBatch(id);
    },
    async updateBatch(actor: Principal, id: string, patch: { name?: string | undefined; courseIds?: string[] | undefined; externalId?: string | null | undefined }) {
      requireRole(actor, 'admin');
      await mustBatch(id);
      const courseIds = patch.courseIds ? [...new Set(patch.courseIds)] : undefined;
      if (courseIds) {
        await assertCoursesExist(courseIds);
        const stillUsed = (await catalog.courseIdsUsedByClassesOfBatch(id)).filter((c) => !courseIds.includes(c));
        if (stillUsed.length) {
          throw new Conflict(`Batch ${id} has live classes for lessons of course ${stillUsed.join(', ')}; move or delete those classes before removing the course from courseIds`);
        }
      }
      await assertExternalIdFree('batch', patch.externalId, (e) => catalog.getBatchByExternalId(e), id);
      await catalog.updateBatch(id, { name: patch.name, externalId: patch.externalId, courseIds, now: isoNow(clock) });
      return mustBatch(id);
    },
    async deleteBatch(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      await mustBatch(id);
      try {
        await catalog.deleteBatch(id);
      } catch {
        // Live classes reference the batch; their recordings must not be orphaned.
        throw new Conflict(`Batch ${id} has live classes; delete or move them first`);
      }
    },
    async getBatch(viewer: Principal, id: string) {
      const b = await mustBatch(id);
      const scope = await scopeOf(viewer);
      if (scope && !scope.batchIds.includes(id)) throw new AccessDenied('You are not a member of this batch');
      return b;
    },
    async getBatchByExternalId(viewer: Principal, externalId: string) {
      const b = await catalog.getBatchByExternalId(externalId);
      if (!b) throw new NotFound('Batch with externalId', externalId);
      return this.getBatch(viewer, b.id);
    },
    async listBatches(viewer: Principal, page: PageRequest) {
      return catalog.listBatches(await scopeOf(viewer), page);
    },

    // ---- membership
    async enroll(actor: Principal, batchId: string, userId: string) {
      requireRole(actor, 'admin');
      await mustBatch(batchId);
      const user = await deps.users.getUser(userId);
      if (!user) throw new NotFound('User', userId);
      if (user.role !== 'student') throw new Unprocessable(`Only students can be enrolled; ${user.name} is an ${user.role}`);
      return { created: await catalog.addMember('enrollments', batchId, userId, isoNow(clock)) };
    },
    async unenroll(actor: Principal, batchId: string, userId: string) {
      requireRole(actor, 'admin');
      if (!(await catalog.removeMember('enrollments', batchId, userId))) throw new NotFound('Enrollment of user', userId);
    },
    async assignInstructor(actor: Principal, batchId: string, userId: string) {
      requireRole(actor, 'admin');
      await mustBatch(batchId);
      const user = await deps.users.getUser(userId);
      if (!user) throw new NotFound('User', userId);
      if (user.role !== 'instructor') throw new Unprocessable(`Only instructors can be assigned to teach a batch; ${user.name} is ${user.role === 'admin' ? 'an' : 'a'} ${user.role}`);
      return { created: await catalog.addMember('batch_instructors', batchId, userId, isoNow(clock)) };
    },
    async unassignInstructor(actor: Principal, batchId: string, userId: string) {
      requireRole(actor, 'admin');
      if (!(await catalog.removeMember('batch_instructors', batchId, userId))) throw new NotFound('Instructor assignment of user', userId);
    },
    async listMembers(viewer: Principal, batchId: string, which: 'students' | 'instructors') {
      await this.getBatch(viewer, batchId);
      if (viewer.role === 'student') throw new AccessDenied('Students cannot list batch members');
      return catalog.listMembers(which === 'students' ? 'enrollments' : 'batch_instructors', batchId);
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
