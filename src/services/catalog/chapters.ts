import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import { NotFound } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { CatalogContext, CatalogServiceDeps } from './context';

/** Chapters of a course, in order. */
export function createChapters(deps: Pick<CatalogServiceDeps, 'catalog' | 'clock'>, ctx: CatalogContext) {
  const { catalog, clock } = deps;
  const { assertCourseVisible, mustCourse, mustChapter, assertNoLiveClasses } = ctx;

  return {
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
  };
}
