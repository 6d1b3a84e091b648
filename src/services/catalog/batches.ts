import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import type { PageRequest } from '../../adapters/db/pagination';
import { AccessDenied, Conflict, NotFound, Unprocessable } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { CatalogContext, CatalogServiceDeps } from './context';

/** Batches: the courses they take, and their students and instructors. */
export function createBatches(deps: Pick<CatalogServiceDeps, 'catalog' | 'users' | 'clock'>, ctx: CatalogContext) {
  const { catalog, clock } = deps;
  const { scopeOf, mustBatch, assertCoursesExist, assertExternalIdFree } = ctx;

  async function getBatch(viewer: Principal, id: string) {
    const b = await mustBatch(id);
    const scope = await scopeOf(viewer);
    if (scope && !scope.batchIds.includes(id)) throw new AccessDenied('You are not a member of this batch');
    return b;
  }

  return {
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
    getBatch,
    async getBatchByExternalId(viewer: Principal, externalId: string) {
      const b = await catalog.getBatchByExternalId(externalId);
      if (!b) throw new NotFound('Batch with externalId', externalId);
      return getBatch(viewer, b.id);
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
      await getBatch(viewer, batchId);
      if (viewer.role === 'student') throw new AccessDenied('Students cannot list batch members');
      return catalog.listMembers(which === 'students' ? 'enrollments' : 'batch_instructors', batchId);
    },
  };
}
