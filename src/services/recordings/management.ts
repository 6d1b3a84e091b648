import { isoNow } from '../../adapters/clock';
import { AccessDenied, Conflict, Unprocessable } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { RecordingContext } from './context';
import type { Actor, RecordingServiceDeps } from './types';

/** What staff and admins do to a recording afterwards: rename it, delete and restore it, retry a failed one. */
export function createRecordingManagement(deps: Pick<RecordingServiceDeps, 'recordings' | 'clock'>, ctx: RecordingContext) {
  const { recordings, clock } = deps;
  const { mustGet, transition, enqueueProcessing } = ctx;

  return {
    /** Tells the class's consoles and every process's playback that the recording changed (a trim, say). */
    async announce(id: string) {
      const rec = await recordings.get(id);
      if (rec) await ctx.publishToClass(rec);
    },

    async rename(viewer: Principal, id: string, title: string) {
      const rec = await mustGet(id);
      await ctx.assertStaffOf(viewer, rec.liveClassId);
      await recordings.rename(id, title, isoNow(clock));
      return mustGet(id);
    },

    /** By an admin, or by the system (a provider reporting the recording deleted at its side). */
    async softDelete(viewer: Actor, id: string, reason: string) {
      if (typeof viewer !== 'string') requireRole(viewer, 'admin');
      const updated = await transition(id, { to: 'deleted' }, viewer, reason, { deletedAt: isoNow(clock) });
      return updated;
    },

    async restore(viewer: Actor, id: string) {
      if (typeof viewer !== 'string') requireRole(viewer, 'admin');
      const rec = await mustGet(id);
      if (rec.purgedAt) throw new Conflict(`Recording ${id} was deleted on ${rec.deletedAt} and its media purged; it cannot be restored`);
      const updated = await transition(id, { restore: true }, viewer, 'restored', { deletedAt: null });
      if (updated.status === 'processing') await enqueueProcessing(id);
      return updated;
    },

    async retry(viewer: Principal, id: string) {
      const rec = await mustGet(id);
      await ctx.assertStaffOf(viewer, rec.liveClassId);
      if (viewer.role !== 'admin') throw new AccessDenied('Only admins can retry a failed recording');
      if (rec.status !== 'failed') throw new Conflict(`Only a failed recording can be retried; recording ${id} is '${rec.status}'`);
      if (!rec.sourceKey) throw new Unprocessable(`Recording ${id} has no source media to process`);
      const updated = await transition(id, { to: 'processing' }, viewer, 'retry requested', { processingError: null, progress: { stage: 'queued', percent: 0 } });
      await enqueueProcessing(id);
      return updated;
    },
  };
}
