import type { RecordingListItem } from '../../adapters/db/recording-repository';
import { AccessDenied, DomainError, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { RecordingStatus } from '../../domain/recording-state';
import { type RecordingContext, processJobKey } from './context';
import type { RecordingServiceDeps } from './types';

export interface ListCursor {
  startedAt: string;
  id: string;
}

export function encodeListCursor(c: ListCursor): string {
  return Buffer.from(`${c.startedAt}|${c.id}`).toString('base64url');
}

export function decodeListCursor(cursor: string | undefined): ListCursor | undefined {
  if (!cursor) return undefined;
  const [startedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!startedAt || !id) throw new DomainError('bad_request', 'Invalid cursor');
  return { startedAt, id };
}

function paged(items: RecordingListItem[], limit: number) {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeListCursor({ startedAt: last.startedAt, id: last.id }) : null };
}

type PageRequest = { limit: number; cursor?: string | undefined };

/** What viewers and staff read of recordings: one with its job, the lists of a lesson, a batch and the console. */
export function createRecordingQueries(deps: Pick<RecordingServiceDeps, 'recordings' | 'access' | 'queue'>, ctx: RecordingContext) {
  const { recordings } = deps;

  return {
    async get(viewer: Principal, id: string) {
      const rec = await ctx.mustGet(id);
      const cls = await ctx.mustClass(rec.liveClassId);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this recording');
      if (viewer.role === 'student' && rec.status !== 'ready') throw new NotFound('Recording', id);
      const job = viewer.role === 'student' ? null : await deps.queue.describe(processJobKey(id));
      return { recording: rec, liveClass: cls, job };
    },

    /** The lesson page: every ready recording of every class of the lesson the viewer may see, newest first. */
    async listForLesson(viewer: Principal, lessonId: string, page: PageRequest) {
      await deps.access.requireLesson(lessonId);
      const batchIds = await deps.access.batchScope(viewer);
      const items = await recordings.list({ lessonId, batchIds, statuses: ['ready'], limit: page.limit, after: decodeListCursor(page.cursor) });
      return paged(items, page.limit);
    },

    async listForBatch(viewer: Principal, batchId: string, page: PageRequest) {
      await deps.access.requireBatch(batchId);
      await deps.access.assertCanView(viewer, batchId);
      const items = await recordings.list({ batchId, batchIds: null, statuses: ['ready'], limit: page.limit, after: decodeListCursor(page.cursor) });
      return paged(items, page.limit);
    },

    /** Staff view: every state, with filters. */
    async listForStaff(viewer: Principal, f: { liveClassId?: string | undefined; batchId?: string | undefined; lessonId?: string | undefined; status?: RecordingStatus | undefined; limit: number; cursor?: string | undefined }) {
      if (viewer.role === 'student') throw new AccessDenied('Only instructors and admins can list recordings in every state');
      const batchIds = await deps.access.batchScope(viewer);
      const items = await recordings.list({
        batchIds, liveClassId: f.liveClassId, batchId: f.batchId, lessonId: f.lessonId,
        statuses: f.status ? [f.status] : null, limit: f.limit, after: decodeListCursor(f.cursor),
      });
      return paged(items, f.limit);
    },

    async events(viewer: Principal, id: string) {
      const rec = await ctx.mustGet(id);
      await ctx.assertStaffOf(viewer, rec.liveClassId);
      return recordings.events(id);
    },
  };
}
