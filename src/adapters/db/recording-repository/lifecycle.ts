import type { RecordingMedia, RecordingMetadata } from '../../../domain/recording-media';
import type { RecordingStatus } from '../../../domain/recording-state';
import type { Db } from '../database';
import { insertOutboxEvents } from '../outbox-writer';
import { metadataColumns, type RecordingRecord, type RecordingTransitionWrite } from './records';

/** A recording created, moved through its states with the event that records each move, and updated while it is processed. */
export function createLifecycleQueries(db: Db) {
  return {
    async insert(r: { id: string; liveClassId: string; title: string; status: RecordingStatus; source: RecordingRecord['source']; externalRef: string | null; startedAt: string; endedAt: string | null; sourceKey: string | null; sourceSize: number | null; chatKey: string | null; captionsKey: string | null; actor: string; reason: string; now: string }) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('recordings').values({
          id: r.id, live_class_id: r.liveClassId, title: r.title, status: r.status, previous_status: null, source: r.source, external_ref: r.externalRef,
          started_at: r.startedAt, ended_at: r.endedAt, source_key: r.sourceKey, source_size: r.sourceSize, chat_key: r.chatKey, captions_key: r.captionsKey,
          duration_seconds: null, width: null, height: null, video_codec: null, audio_codec: null, bit_rate: null, size_bytes: null, media: null, trim: null, paused_at: null,
          progress_stage: null, progress_percent: null, processing_error: null, job_state: null, deleted_at: null, purged_at: null, created_at: r.now, updated_at: r.now,
        }).execute();
        await trx.insertInto('recording_events').values({ recording_id: r.id, from_status: null, to_status: r.status, actor: r.actor, reason: r.reason, at: r.now }).execute();
      });
    },
    /**
     * Applies a state change decided by the domain, as a compare-and-set on the current status,
     * together with the event that records who, when and why. Returns false when the status moved meanwhile.
     */
    async transition(t: RecordingTransitionWrite): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const f = t.fields ?? {};
        const result = await trx
          .updateTable('recordings')
          .set({
            status: t.to,
            previous_status: t.previousStatus,
            updated_at: t.now,
            // A recording that stops while paused is no longer paused.
            ...(t.from === 'recording' && { paused_at: null }),
            ...(f.endedAt !== undefined && { ended_at: f.endedAt }),
            ...(f.processingError !== undefined && { processing_error: f.processingError }),
            ...(f.deletedAt !== undefined && { deleted_at: f.deletedAt }),
            ...(f.progress !== undefined && { progress_stage: f.progress?.stage ?? null, progress_percent: f.progress?.percent ?? null }),
            ...(f.media !== undefined && { media: JSON.stringify(f.media) }),
            ...(f.sourceKey !== undefined && { source_key: f.sourceKey }),
            ...(f.sourceSize !== undefined && { source_size: f.sourceSize }),
            ...(f.metadata !== undefined && metadataColumns(f.metadata)),
          })
          .where('id', '=', t.id)
          .where('status', '=', t.from)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.insertInto('recording_events').values({ recording_id: t.id, from_status: t.from, to_status: t.to, actor: t.actor, reason: t.reason, at: t.now }).execute();
        await insertOutboxEvents(trx, t.outbox, t.now);
        return true;
      });
    },
    /**
     * Pauses (`pausedAt` set) or resumes (null) a recording that is recording, as a compare-and-set on both, with the
     * event that records who, when and why. Returns false when it is not recording, or already paused (or not).
     */
    async setPaused(p: { id: string; pausedAt: string | null; actor: string; reason: string; now: string }): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('recordings')
          .set({ paused_at: p.pausedAt, updated_at: p.now })
          .where('id', '=', p.id)
          .where('status', '=', 'recording')
          .where('paused_at', p.pausedAt === null ? 'is not' : 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.insertInto('recording_events').values({ recording_id: p.id, from_status: 'recording', to_status: 'recording', actor: p.actor, reason: p.reason, at: p.now }).execute();
        return true;
      });
    },
    /** Updates that do not change the state (progress, media growing as rungs finish). */
    async updateProcessing(id: string, p: { progress?: { stage: string; percent: number } | null; media?: RecordingMedia; metadata?: RecordingMetadata; jobState?: string | null; chatKey?: string; captionsKey?: string; source?: { key: string; size: number }; now: string }) {
      await db.updateTable('recordings').set({
        updated_at: p.now,
        ...(p.source !== undefined && { source_key: p.source.key, source_size: p.source.size }),
        ...(p.progress !== undefined && { progress_stage: p.progress?.stage ?? null, progress_percent: p.progress?.percent ?? null }),
        ...(p.media !== undefined && { media: JSON.stringify(p.media) }),
        ...(p.jobState !== undefined && { job_state: p.jobState }),
        ...(p.chatKey !== undefined && { chat_key: p.chatKey }),
        ...(p.captionsKey !== undefined && { captions_key: p.captionsKey }),
        ...(p.metadata !== undefined && metadataColumns(p.metadata)),
      }).where('id', '=', id).execute();
    },
    async rename(id: string, title: string, now: string) {
      await db.updateTable('recordings').set({ title, updated_at: now }).where('id', '=', id).execute();
    },
  };
}
