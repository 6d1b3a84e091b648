import type { CatalogRepository } from '../adapters/db/catalog-repository';
import { canManageBatch, canViewBatchContent, type ViewerBatches } from '../domain/access';
import { AccessDenied, NotFound } from '../domain/errors';
import type { Principal } from '../domain/identity';

const NO_TIES: ViewerBatches = { enrolledBatchIds: new Set(), instructedBatchIds: new Set() };

/** Loads a viewer's batch ties once per call and applies the domain access policy. */
export function createViewerAccess(catalog: Pick<CatalogRepository, 'getViewerBatches' | 'batchExists' | 'lessonExists'>) {
  async function tiesOf(viewer: Principal): Promise<ViewerBatches> {
    return viewer.kind === 'user' && viewer.role !== 'admin' ? catalog.getViewerBatches(viewer.userId, viewer.role) : NO_TIES;
  }
  return {
    tiesOf,
    /** List routes answer 404 for an unknown batch or lesson, as the single-item routes do, not an empty list. */
    async requireBatch(batchId: string): Promise<void> {
      if (!(await catalog.batchExists(batchId))) throw new NotFound('Batch', batchId);
    },
    async requireLesson(lessonId: string): Promise<void> {
      if (!(await catalog.lessonExists(lessonId))) throw new NotFound('Lesson', lessonId);
    },
    /** Batches whose content the viewer may see, or null for no limit (admin). */
    async batchScope(viewer: Principal): Promise<string[] | null> {
      if (viewer.role === 'admin') return null;
      const ties = await tiesOf(viewer);
      return [...(viewer.role === 'instructor' ? ties.instructedBatchIds : ties.enrolledBatchIds)];
    },
    async assertCanView(viewer: Principal, batchId: string, what = 'this batch'): Promise<void> {
      if (!canViewBatchContent(viewer, batchId, await tiesOf(viewer))) throw new AccessDenied(`You are not enrolled in or teaching ${what}`);
    },
    async canManage(viewer: Principal, batchId: string): Promise<boolean> {
      return canManageBatch(viewer, batchId, await tiesOf(viewer));
    },
    /** Whether a user (by id, not the caller) is enrolled in the batch. */
    async isStudentOf(userId: string, batchId: string): Promise<boolean> {
      return (await catalog.getViewerBatches(userId, 'student')).enrolledBatchIds.has(batchId);
    },
    async assertCanManage(viewer: Principal, batchId: string): Promise<void> {
      if (!canManageBatch(viewer, batchId, await tiesOf(viewer))) {
        throw new AccessDenied(viewer.role === 'student' ? 'Students cannot manage live classes or recordings' : 'Only the batch\'s instructors and admins can do this');
      }
    },
  };
}

export type ViewerAccess = ReturnType<typeof createViewerAccess>;

/** How an actor is written into event and audit trails. */
export function actorLabel(p: Principal | 'system' | `provider:${string}` | 'job'): string {
  if (typeof p === 'string') return p;
  return p.kind === 'user' ? `user:${p.userId}` : `api-key:${p.apiKeyId ?? 'admin'}`;
}
