import { isoNow } from '../../adapters/clock';
import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../adapters/db/recording-repository';
import { Conflict, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { recordingEventFor } from '../../domain/notifications/events';
import { nextRecordingState, type RecordingTransition } from '../../domain/recording-state';
import { actorLabel } from '../viewer-access';
import type { Actor, RecordingServiceDeps } from './types';

export const processJobKey = (recordingId: string) => `process-recording:${recordingId}`;

export type TransitionFields = Parameters<RecordingRepository['transition']>[0]['fields'];

/** What every use case of recordings shares: loading, access to the class, state changes, consoles, the queue. */
export function createRecordingContext(deps: Pick<RecordingServiceDeps, 'recordings' | 'liveClasses' | 'access' | 'queue' | 'feed' | 'clock' | 'logger' | 'onPlayable'>) {
  const { recordings, clock, logger } = deps;

  async function mustGet(id: string): Promise<RecordingRecord> {
    const r = await recordings.get(id);
    if (!r) throw new NotFound('Recording', id);
    return r;
  }

  async function mustClass(id: string): Promise<LiveClassRecord> {
    const c = await deps.liveClasses.get(id);
    if (!c) throw new NotFound('Live class', id);
    return c;
  }

  function publish(r: RecordingRecord, batchId: string) {
    deps.feed.publish({
      kind: 'recording', recordingId: r.id, liveClassId: r.liveClassId, batchId, status: r.status, paused: r.pausedAt !== null, progress: r.progress,
      processingError: r.processingError, at: isoNow(clock),
    });
  }

  /** Tells the consoles of the recording's class, when the class is still there. */
  async function publishToClass(r: RecordingRecord) {
    const cls = await deps.liveClasses.get(r.liveClassId);
    if (cls) publish(r, cls.batchId);
  }

  /** Decide with the domain, write with a compare-and-set, record the event, tell the consoles. */
  async function transition(id: string, t: RecordingTransition, actor: Actor, reason: string, fields?: TransitionFields) {
    const current = await mustGet(id);
    const next = nextRecordingState(current, t);
    const event = recordingEventFor(id, current.status, next.status, 'restore' in t, fields?.processingError ?? null);
    const ok = await recordings.transition({
      id, from: current.status, to: next.status, previousStatus: next.previousStatus, actor: actorLabel(actor), reason, now: isoNow(clock), ...(fields && { fields }), ...(event && { outbox: [event] }),
    });
    if (!ok) {
      const now = await mustGet(id);
      throw new Conflict(`Recording ${id} changed meanwhile; it is now '${now.status}'`);
    }
    const updated = await mustGet(id);
    // Restoring a deleted recording is not it becoming playable.
    if (next.status === 'ready' && current.status !== 'deleted' && updated.endedAt) {
      deps.onPlayable(updated.source, (clock.now().getTime() - Date.parse(updated.endedAt)) / 1000);
    }
    await publishToClass(updated);
    logger.info({ recordingId: id, from: current.status, to: next.status, actor: actorLabel(actor), reason }, 'recording state changed');
    return updated;
  }

  async function enqueueProcessing(recordingId: string) {
    await deps.queue.enqueue('process-recording', { recordingId }, { dedupeKey: processJobKey(recordingId) });
  }

  async function assertStaffOf(viewer: Principal, liveClassId: string) {
    const cls = await mustClass(liveClassId);
    await deps.access.assertCanManage(viewer, cls.batchId);
    return cls;
  }

  return { mustGet, mustClass, publish, publishToClass, transition, enqueueProcessing, assertStaffOf };
}

export type RecordingContext = ReturnType<typeof createRecordingContext>;
