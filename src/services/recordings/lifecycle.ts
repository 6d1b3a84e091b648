import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import { Conflict } from '../../domain/errors';
import type { RecordingMedia, RecordingMetadata } from '../../domain/recording-media';
import { assertCanPause } from '../../domain/recording-state';
import { actorLabel } from '../viewer-access';
import type { RecordingContext } from './context';
import type { Actor, RecordingServiceDeps } from './types';

/** A recording's life in a class: started, stopped, handed over by a live recorder, processed. */
export function createRecordingLifecycle(deps: Pick<RecordingServiceDeps, 'recordings' | 'access' | 'clock' | 'captures' | 'liveCapture'>, ctx: RecordingContext) {
  const { recordings, clock } = deps;
  const { mustGet, mustClass, transition, enqueueProcessing } = ctx;
  return {
    transition,
    mustGet,

    /** Starts a recording in a live class (by hand, or by auto-record when the class starts). */
    async start(actor: Actor, liveClassId: string, reason: string) {
      const cls = await mustClass(liveClassId);
      if (typeof actor !== 'string') await deps.access.assertCanManage(actor, cls.batchId);
      if (cls.deletedAt) throw new Conflict(`Live class ${liveClassId} is deleted`);
      if (cls.status !== 'live') throw new Conflict(`Live class ${liveClassId} is '${cls.status}'; start the class before recording`);
      const active = await recordings.activeForClass(liveClassId);
      if (active.length > 0) throw new Conflict(`Live class ${liveClassId} is already being recorded (recording ${active[0]!.id})`);
      const id = newId();
      const now = isoNow(clock);
      await recordings.insert({
        id, liveClassId, title: cls.title, status: 'recording', source: cls.provider === 'upload' ? 'upload' : cls.provider, externalRef: null,
        startedAt: now, endedAt: null, sourceKey: null, sourceSize: null, chatKey: null, captionsKey: null, actor: actorLabel(actor), reason, now,
      });
      const created = await mustGet(id);
      ctx.publish(created, cls.batchId);
      await deps.captures?.[created.source]?.started(created);
      return created;
    },

    /** Stops a recording: it moves to processing and the media pipeline takes over. */
    async stop(actor: Actor, recordingId: string, reason: string) {
      const rec = await mustGet(recordingId);
      if (typeof actor !== 'string') await ctx.assertStaffOf(actor, rec.liveClassId);
      if (rec.status !== 'recording') throw new Conflict(`Recording ${recordingId} is not recording; it is '${rec.status}'`);
      const liveCapture = deps.liveCapture?.();
      if (liveCapture?.owns(recordingId)) return liveCapture.finish(recordingId, actor, reason);
      const capture = deps.captures?.[rec.source];
      if (capture) {
        const stopping = await transition(recordingId, { to: 'processing' }, actor, reason, { endedAt: isoNow(clock), progress: { stage: 'finishing', percent: 0 } });
        await capture.stopping(stopping);
        return stopping;
      }
      const updated = await transition(recordingId, { to: 'processing' }, actor, reason, { endedAt: isoNow(clock), progress: { stage: 'queued', percent: 0 } });
      await enqueueProcessing(recordingId);
      return updated;
    },

    /**
     * Pauses (`pause` true) or resumes a recording of Aula's room: it stays one recording, and the room that captures
     * it (told through the change feed, in whichever process hosts it) leaves the paused part out.
     */
    async setPaused(actor: Actor, recordingId: string, pause: boolean, reason: string) {
      const rec = await mustGet(recordingId);
      if (typeof actor !== 'string') await ctx.assertStaffOf(actor, rec.liveClassId);
      assertCanPause(rec, pause);
      const now = isoNow(clock);
      if (!(await recordings.setPaused({ id: recordingId, pausedAt: pause ? now : null, actor: actorLabel(actor), reason, now }))) {
        assertCanPause(await mustGet(recordingId), pause);
        throw new Conflict(`Recording ${recordingId} changed meanwhile; try again`);
      }
      const updated = await mustGet(recordingId);
      await ctx.publishToClass(updated);
      return updated;
    },

    /**
     * A live recording whose media its recorder already published: `recording → processing → ready` at once.
     * The pipeline (other renditions, images, download) is queued with `queueLiveProcessing` once the source
     * and chat it names are in storage.
     */
    async finishLive(id: string, actor: Actor, reason: string, live: {
      media: RecordingMedia; metadata: RecordingMetadata; sourceKey: string; sourceSize: number; chatKey: string | null; endedAt: string;
      /** Every output is there: nothing is left for the pipeline. */
      complete?: boolean | undefined;
      /** Why it is ready, as its history tells it. */
      readyReason?: string | undefined;
    }) {
      const rec = await mustGet(id);
      if (rec.status === 'recording') {
        await transition(id, { to: 'processing' }, actor, reason, { endedAt: live.endedAt, sourceKey: live.sourceKey, sourceSize: live.sourceSize, progress: { stage: 'queued', percent: 0 } });
      }
      if (live.chatKey) await recordings.updateProcessing(id, { chatKey: live.chatKey, now: isoNow(clock) });
      // A recording stopped before its media arrived (a provider's egress) is already processing: it gets its source here.
      return transition(id, { to: 'ready' }, actor, live.readyReason ?? 'live recording playable', {
        media: live.media, metadata: live.metadata, processingError: null, sourceKey: live.sourceKey, sourceSize: live.sourceSize, ...(live.complete && { progress: { stage: 'done', percent: 100 } }),
      });
    },

    queueLiveProcessing: (id: string) => enqueueProcessing(id),

    /** Job side: progress and media as they appear, without a state change. */
    async reportProgress(id: string, progress: { stage: string; percent: number }, extra: { media?: RecordingMedia; metadata?: RecordingMetadata } = {}) {
      await recordings.updateProcessing(id, { progress, ...extra, now: isoNow(clock) });
      const rec = await recordings.get(id);
      if (rec) await ctx.publishToClass(rec);
    },
  };
}
