import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import type { PageRequest } from '../../adapters/db/pagination';
import { NotFound } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { CatalogContext, CatalogServiceDeps } from './context';

/** Courses: created, changed and deleted by admins; seen by members of a batch that takes them. */
export function createCourses(deps: Pick<CatalogServiceDeps, 'catalog' | 'clock'>, ctx: CatalogContext) {
  const { catalog, clock } = deps;
  const { scopeOf, assertCourseVisible, mustCourse, assertExternalIdFree, assertNoLiveClasses } = ctx;

  async function getCourse(viewer: Principal, id: string) {
    const c = await mustCourse(id);
    await assertCourseVisible(viewer, id);
    return c;
  }

  return {
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
    getCourse,
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
      const c = await getCourse(viewer, id);
      const [chapters, lessons] = await Promise.all([catalog.listChapters(id), catalog.listLessonsOfCourse(id)]);
      return { ...c, chapters: chapters.map((ch) => ({ ...ch, lessons: lessons.filter((l) => l.chapterId === ch.id) })) };
    },
  };
}
