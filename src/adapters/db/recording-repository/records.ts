import type { OutboxEvent } from '../../../domain/notifications/events';
import type { RecordingTrim } from '../../../domain/media/trim';
import type { RecordingMedia, RecordingMetadata } from '../../../domain/recording-media';
import type { RecordingStatus } from '../../../domain/recording-state';
import type { RecordingsTable } from '../schema';

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
  trim: RecordingTrim | null;
  /** While a recording is paused: since when. */
  pausedAt: string | null;
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

export function toRecording(r: Omit<RecordingsTable, 'job_state'>): RecordingRecord {
  return {
    id: r.id, liveClassId: r.live_class_id, title: r.title, status: r.status, previousStatus: r.previous_status as RecordingStatus | null,
    source: r.source, externalRef: r.external_ref, startedAt: r.started_at, endedAt: r.ended_at, sourceKey: r.source_key, sourceSize: r.source_size,
    chatKey: r.chat_key, captionsKey: r.captions_key, durationSeconds: r.duration_seconds, width: r.width, height: r.height,
    videoCodec: r.video_codec, audioCodec: r.audio_codec, bitRate: r.bit_rate, sizeBytes: r.size_bytes,
    media: r.media ? (JSON.parse(r.media) as RecordingMedia) : null,
    trim: r.trim ? (JSON.parse(r.trim) as RecordingTrim) : null,
    pausedAt: r.paused_at,
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


/** The probed facts of a recording's media as their columns. */
export function metadataColumns(m: RecordingMetadata) {
  return {
    duration_seconds: m.durationSeconds, width: m.width, height: m.height, video_codec: m.videoCodec,
    audio_codec: m.audioCodec, bit_rate: m.bitRate, size_bytes: m.sizeBytes,
  };
}
