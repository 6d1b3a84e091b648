import type { RecordingMedia, RecordingMetadata } from '../../domain/recording-media';
import type { RecordingStatus } from '../../domain/recording-state';
import type { Db } from './database';
import type { RecordingsTable } from './schema';

export interface RecordingRecord extends RecordingMetadata {
  id: string;
  liveClassId: string;
  title: string;
  status: RecordingStatus;
  previousStatus: RecordingStatus | null;
  source: RecordingsTable['source'];
  externalRef: string | null;
  startedAt: string;
  endedAt: string | null;
  sourceKey: string | null;
  sourceSize: number | null;
  chatKey: string | null;
  captionsKey: string | null;
  media: RecordingMedia | null;
  progress: { stage: string; percent: number } | null;
  processingError: string | null;
  deletedAt: string | null;
  purgedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A recording joined with what the lesson page shows about its class. */
export interface RecordingListItem extends RecordingRecord {
  liveClass: { id: string; title: string; batchId: string; lessonId: string | null; provider: string };
}

function toRecording(r: RecordingsTable): RecordingRecord {
  return {
    id: r.id, liveClassId: r.live_class_id, title: r.title, status: r.status, previousStatus: r.previous_status as RecordingStatus | null,
    source: r.source, externalRef: r.external_ref, startedAt: r.started_at, endedAt: r.ended_at, sourceKey: r.source_key, sourceSize: r.source_size,
    chatKey: r.chat_key, captionsKey: r.captions_key, durationSeconds: r.duration_seconds, width: r.width, height: r.height,
    videoCodec: r.video_codec, audioCodec: r.audio_codec, bitRate: r.bit_rate, sizeBytes: r.size_bytes,
    media: r.media ? (JSON.parse(r.media) as RecordingMedia) : null,
    progress: r.progress_stage ? { stage: r.progress_stage, percent: r.progress_percent ?? 0 } : null,
    processingError: r.processing_error, deletedAt: r.deleted_at, purgedAt: r.purged_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface RecordingListFilter {
  /** Batches the viewer may see; null means all (admin). */
  batchIds: string[] | null;
  lessonId?: string | undefined;
  batchId?: string | undefined;
  liveClassId?: string | undefined;
  statuses: RecordingStatus[] | null;
  limit: number;
  /** Keyset cursor: the (startedAt, id) of the last item already shown. */
  after?: { startedAt: string; id: string } | undefined;
}

export interface RecordingTransitionWrite {
  id: string;
  from: RecordingStatus;
  to: RecordingStatus;
  previousStatus: RecordingStatus | null;
  actor: string;
  reason: string;
  now: string;
  fields?: Partial<{ endedAt: string; processingError: string | null; deletedAt: string | null; progress: { stage: string; percent: number } | null; media: RecordingMedia; metadata: RecordingMetadata; sourceKey: string; sourceSize: number }>;
}

export function createRecordingRepository(db: Db) {
  return {
    async insert(r: { id: string; liveClassId: string; title: string; status: RecordingStatus; source: RecordingRecord['source']; externalRef: string | null; startedAt: string; endedAt: string | null; sourceKey: string | null; sourceSize: number | null; chatKey: string | null; captionsKey: string | null; actor: string; reason: string; now: string }) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('recordings').values({
          id: r.id, live_class_id: r.liveClassId, title: r.title, status: r.status, previous_status: null, source: r.source, external_ref: r.externalRef,
          started_at: r.startedAt, ended_at: r.endedAt, source_key: r.sourceKey, source_size: r.sourceSize, chat_key: r.chatKey, captions_key: r.captionsKey,
          duration_seconds: null, width: null, height: null, video_codec: null, audio_codec: null, bit_rate: null, size_bytes: null, media: null,
          progress_stage: null, progress_percent: null, processing_error: null, job_state: null, deleted_at: null, purged_at: null, created_at: r.now, updated_at: r.now,
        }).execute();
        await trx.insertInto('recording_events').values({ recording_id: r.id, from_status: null, to_status: r.status, actor: r.actor, reason: r.reason, at: r.now }).execute();
      });
    },

    async get(id: string): Promise<RecordingRecord | null> {
      const r = await db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toRecording(r) : null;
    },

    async getByExternalRef(ref: string): Promise<RecordingRecord | null> {
      const r = await db.selectFrom('recordings').selectAll().where('external_ref', '=', ref).executeTakeFirst();
      return r ? toRecording(r) : null;
    },

    /** The batch and lesson a recording belongs to: the input of every access decision about it. */
    async getForAccess(id: string) {
      return db
        .selectFrom('recordings as r')
        .innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .select(['r.id', 'r.status', 'r.media', 'r.title', 'r.duration_seconds as durationSeconds', 'r.purged_at as purgedAt', 'c.batch_id as batchId', 'c.lesson_id as lessonId', 'c.id as liveClassId'])
        .where('r.id', '=', id)
        .executeTakeFirst();
    },

    async activeForClass(liveClassId: string): Promise<RecordingRecord[]> {
      return (await db.selectFrom('recordings').selectAll().where('live_class_id', '=', liveClassId).where('status', '=', 'recording').execute()).map(toRecording);
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
            ...(f.endedAt !== undefined && { ended_at: f.endedAt }),
            ...(f.processingError !== undefined && { processing_error: f.processingError }),
            ...(f.deletedAt !== undefined && { deleted_at: f.deletedAt }),
            ...(f.progress !== undefined && { progress_stage: f.progress?.stage ?? null, progress_percent: f.progress?.percent ?? null }),
            ...(f.media !== undefined && { media: JSON.stringify(f.media) }),
            ...(f.sourceKey !== undefined && { source_key: f.sourceKey }),
            ...(f.sourceSize !== undefined && { source_size: f.sourceSize }),
            ...(f.metadata !== undefined && {
              duration_seconds: f.metadata.durationSeconds, width: f.metadata.width, height: f.metadata.height, video_codec: f.metadata.videoCodec,
              audio_codec: f.metadata.audioCodec, bit_rate: f.metadata.bitRate, size_bytes: f.metadata.sizeBytes,
            }),
          })
          .where('id', '=', t.id)
          .where('status', '=', t.from)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.insertInto('recording_events').values({ recording_id: t.id, from_status: t.from, to_status: t.to, actor: t.actor, reason: t.reason, at: t.now }).execute();
        return true;
      });
    },

    /** Updates that do not change the state (progress, media growing as rungs finish). */
    async updateProcessing(id: string, p: { progress?: { stage: string; percent: number } | null; media?: RecordingMedia; metadata?: RecordingMetadata; jobState?: string | null; chatKey?: string; captionsKey?: string; now: string }) {
      await db.updateTable('recordings').set({
        updated_at: p.now,
        ...(p.progress !== undefined && { progress_stage: p.progress?.stage ?? null, progress_percent: p.progress?.percent ?? null }),
        ...(p.media !== undefined && { media: JSON.stringify(p.media) }),
        ...(p.jobState !== undefined && { job_state: p.jobState }),
        ...(p.chatKey !== undefined && { chat_key: p.chatKey }),
        ...(p.captionsKey !== undefined && { captions_key: p.captionsKey }),
        ...(p.metadata !== undefined && {
          duration_seconds: p.metadata.durationSeconds, width: p.metadata.width, height: p.metadata.height, video_codec: p.metadata.videoCodec,
          audio_codec: p.metadata.audioCodec, bit_rate: p.metadata.bitRate, size_bytes: p.metadata.sizeBytes,
        }),
      }).where('id', '=', id).execute();
    },

    async rename(id: string, title: string, now: string) {
      await db.updateTable('recordings').set({ title, updated_at: now }).where('id', '=', id).execute();
    },

    /**
     * Lists recordings newest first by (started_at, id): a total, stable order. One indexed query; the
     * viewer's batches are applied in SQL so a student never receives a row of another batch.
     */
    async list(f: RecordingListFilter): Promise<RecordingListItem[]> {
      if (f.batchIds && f.batchIds.length === 0) return [];
      let q = db
        .selectFrom('recordings as r')
        .innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .selectAll('r')
        .select(['c.title as class_title', 'c.batch_id as class_batch_id', 'c.lesson_id as class_lesson_id', 'c.provider as class_provider'])
        .orderBy('r.started_at', 'desc')
        .orderBy('r.id', 'desc')
        .limit(f.limit + 1);
      if (f.lessonId) q = q.where('c.lesson_id', '=', f.lessonId);
      if (f.batchId) q = q.where('c.batch_id', '=', f.batchId);
      if (f.liveClassId) q = q.where('r.live_class_id', '=', f.liveClassId);
      if (f.batchIds) q = q.where('c.batch_id', 'in', f.batchIds);
      if (f.statuses) q = q.where('r.status', 'in', f.statuses);
      if (f.after) {
        const { startedAt, id } = f.after;
        q = q.where((eb) => eb.or([eb('r.started_at', '<', startedAt), eb.and([eb('r.started_at', '=', startedAt), eb('r.id', '<', id)])]));
      }
      const rows = await q.execute();
      return rows.map((row) => ({
        ...toRecording(row),
        liveClass: { id: row.live_class_id, title: row.class_title, batchId: row.class_batch_id, lessonId: row.class_lesson_id, provider: row.class_provider },
      }));
    },

    async events(recordingId: string) {
      return db.selectFrom('recording_events').select(['from_status as from', 'to_status as to', 'actor', 'reason', 'at']).where('recording_id', '=', recordingId).orderBy('id').execute();
    },

    async listPurgeable(deletedBefore: string, limit: number) {
      return db.selectFrom('recordings').select(['id']).where('status', '=', 'deleted').where('purged_at', 'is', null).where('deleted_at', '<', deletedBefore).limit(limit).execute();
    },

    async markPurged(id: string, now: string) {
      await db.updateTable('recordings').set({ purged_at: now, media: null, updated_at: now }).where('id', '=', id).where('status', '=', 'deleted').execute();
    },
  };
}

export type RecordingRepository = ReturnType<typeof createRecordingRepository>;
