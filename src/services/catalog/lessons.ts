import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import { NotFound } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { CatalogContext, CatalogServiceDeps } from './context';

/** Lessons of a chapter, in order; live classes and their recordings point at them. */
export function createLessons(deps: Pick<CatalogServiceDeps, 'catalog' | 'clock'>, ctx: CatalogContext) {
  const { catalog, clock } = deps;
  const { assertCourseVisible, mustChapter, mustLesson, assertExternalIdFree, assertNoLiveClasses } = ctx;

  return {
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
  };
}
