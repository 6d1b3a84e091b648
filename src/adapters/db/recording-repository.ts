import type { OutboxEvent } from '../../domain/notifications/events';
import type { RecordingMedia, RecordingMetadata } from '../../domain/recording-media';
import type { RecordingStatus } from '../../domain/recording-state';
import type { Db } from './database';
import { insertOutboxEvents } from './outbox-writer';
import { createQueryShapeCache } from './query-shape-cache';
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

function toRecording(r: Omit<RecordingsTable, 'job_state'>): RecordingRecord {
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
  /** Events to tell people and the LMS about, committed with the change or not at all. */
  outbox?: OutboxEvent[];
  fields?: Partial<{ endedAt: string; processingError: string | null; deletedAt: string | null; progress: { stage: string; percent: number } | null; media: RecordingMedia; metadata: RecordingMetadata; sourceKey: string; sourceSize: number }>;
}

/** Every recording column a listed item shows; the job's internal state stays out. */
const LIST_COLUMNS = [
  'r.id', 'r.live_class_id', 'r.title', 'r.status', 'r.previous_status', 'r.source', 'r.external_ref', 'r.started_at', 'r.ended_at', 'r.source_key',
  'r.source_size', 'r.chat_key', 'r.captions_key', 'r.duration_seconds', 'r.width', 'r.height', 'r.video_codec', 'r.audio_codec', 'r.bit_rate',
  'r.size_bytes', 'r.media', 'r.progress_stage', 'r.progress_percent', 'r.processing_error', 'r.deleted_at', 'r.purged_at', 'r.created_at', 'r.updated_at',
] as const;

type ListRow = Omit<RecordingsTable, 'job_state'> & { class_title: string; class_batch_id: string; class_lesson_id: string | null; class_provider: string };

/**
 * A list page maps dozens of rows per request; adding the class to the converted record in place costs far less
 * than spreading the record into a second object.
 */
function toListItem(r: ListRow): RecordingListItem {
  const item = toRecording(r) as RecordingRecord & { liveClass?: RecordingListItem['liveClass'] };
  item.liveClass = { id: r.live_class_id, title: r.class_title, batchId: r.class_batch_id, lessonId: r.class_lesson_id, provider: r.class_provider };
  return item as RecordingListItem;
}

export function createRecordingRepository(db: Db) {
  const bindListQuery = createQueryShapeCache<ListRow>();
  return {
    /** Recordings by provider (source) and state, for the metrics endpoint. */
    async countByProviderAndState() {
      const rows = await db.selectFrom('recordings').select((eb) => ['source', 'status', eb.fn.countAll<number>().as('n')]).groupBy(['source', 'status']).execute();
      return rows.map((r) => ({ provider: r.source, state: r.status, count: Number(r.n) }));
    },
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
        await insertOutboxEvents(trx, t.outbox, t.now);
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
      // Values in the order the query below uses them (where clauses as added, then the limit).
      const parameters: unknown[] = [];
      if (f.lessonId) parameters.push(f.lessonId);
      if (f.batchId) parameters.push(f.batchId);
      if (f.liveClassId) parameters.push(f.liveClassId);
      if (f.batchIds) parameters.push(...f.batchIds);
      if (f.statuses) parameters.push(...f.statuses);
      if (f.after) parameters.push(f.after.startedAt, f.after.startedAt, f.after.id);
      parameters.push(f.limit + 1);
      const shape = `${f.lessonId ? 'L' : ''}${f.batchId ? 'B' : ''}${f.liveClassId ? 'C' : ''}${f.after ? 'A' : ''}:${f.batchIds?.length ?? '*'}:${f.statuses?.length ?? '*'}`;
      const query = bindListQuery(shape, parameters, () => {
        let q = db
          .selectFrom('recordings as r')
          .innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
          .select(LIST_COLUMNS)
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
        return q;
      });
      const { rows } = await db.executeQuery(query);
      return rows.map(toListItem);
    },

    async events(recordingId: string) {
      return db.selectFrom('recording_events').select(['from_status as from', 'to_status as to', 'actor', 'reason', 'at']).where('recording_id', '=', recordingId).orderBy('id').execute();
    },

    /** What a capturing provider knows of the recording (LiveKit's egress), as stored JSON text, for a compare-and-set. */
    async getProviderState(id: string): Promise<string | null> {
      const r = await db.selectFrom('recordings').select('provider_state').where('id', '=', id).executeTakeFirst();
      return r?.provider_state ?? null;
    },

    /** Replaces the provider state if it is still `from`; an external reference (the egress id) may be set with it. */
    async swapProviderState(id: string, from: string | null, to: string, externalRef?: string): Promise<boolean> {
      let q = db.updateTable('recordings').set({ provider_state: to, ...(externalRef !== undefined && { external_ref: externalRef }) }).where('id', '=', id);
      q = from === null ? q.where('provider_state', 'is', null) : q.where('provider_state', '=', from);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Recordings a provider is still capturing or has not delivered yet: recording, or processing without media. */
    async listAwaitingProvider(source: RecordingRecord['source'], limit: number): Promise<string[]> {
      const rows = await db.selectFrom('recordings').select('id').where('source', '=', source)
        .where((eb) => eb.or([eb('status', '=', 'recording'), eb.and([eb('status', '=', 'processing'), eb('media', 'is', null), eb('source_key', 'is', null)])]))
        .orderBy('started_at').limit(limit).execute();
      return rows.map((r) => r.id);
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
