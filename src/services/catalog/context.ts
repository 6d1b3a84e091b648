import type { Clock } from '../../adapters/clock';
import type { BatchScope, CatalogRepository } from '../../adapters/db/catalog-repository';
import type { IdentityRepository } from '../../adapters/db/identity-repository';
import { AccessDenied, Conflict, NotFound, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { createViewerAccess } from '../viewer-access';

export interface CatalogServiceDeps {
  catalog: CatalogRepository;
  users: IdentityRepository;
  clock: Clock;
}

/** Loading and the checks every part of the catalogue shares: what a viewer may see, what exists, what is in use. */
export function createCatalogContext(deps: Pick<CatalogServiceDeps, 'catalog'>) {
  const { catalog } = deps;

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

  return { scopeOf, assertCourseVisible, mustCourse, mustChapter, mustLesson, mustBatch, assertCoursesExist, assertExternalIdFree, assertNoLiveClasses };
}

export type CatalogContext = ReturnType<typeof createCatalogContext>;
