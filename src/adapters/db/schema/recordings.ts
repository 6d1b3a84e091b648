import type { Generated } from 'kysely';

export interface LiveClassesTable {
  id: string;
  title: string;
  batch_id: string;
  lesson_id: string | null;
  provider: 'native' | 'zoom' | 'livekit' | 'cloudflare' | 'upload';
  status: 'scheduled' | 'live' | 'ended' | 'cancelled';
  starts_at: string;
  duration_minutes: number;
  auto_record: number;
  provider_account_id: string | null;
  provider_meeting_id: string | null;
  provider_data: string | null;
  started_at: string | null;
  ended_at: string | null;
  deleted_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface RecordingsTable {
  id: string;
  live_class_id: string;
  title: string;
  status: 'scheduled' | 'recording' | 'processing' | 'ready' | 'failed' | 'deleted';
  previous_status: string | null;
  source: 'native' | 'zoom' | 'livekit' | 'cloudflare' | 'upload' | 'demo';
  /** Provider's id for the recording (e.g. Zoom recording file id) so imports are idempotent. */
  external_ref: string | null;
  started_at: string;
  ended_at: string | null;
  source_key: string | null;
  source_size: number | null;
  chat_key: string | null;
  captions_key: string | null;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  bit_rate: number | null;
  size_bytes: number | null;
  /** JSON: the published media (renditions, poster, sprite, mp4, chat vtt). */
  media: string | null;
  /** JSON: the recording's trim (domain `RecordingTrim`); null when it is not trimmed. */
  trim: string | null;
  /** When the recording was paused (its capture writes nothing meanwhile); null while it records. */
  paused_at: string | null;
  progress_stage: string | null;
  progress_percent: number | null;
  processing_error: string | null;
  job_state: string | null;
  deleted_at: string | null;
  purged_at: string | null;
  /** JSON: what a capturing provider knows of this recording (LiveKit's egress id and status). */
  provider_state: string | null;
  created_at: string;
  updated_at: string;
}

export interface RecordingEventsTable {
  id: Generated<number>;
  recording_id: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string;
  at: string;
}

export interface ShareLinksTable {
  id: string;
  recording_id: string;
  token_hash: string;
  label: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  max_views: number | null;
  views: number;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** The Aula process hosting a native class's open room, until its lease runs out (renewed while the room is open). */
export interface RoomHostsTable {
  live_class_id: string;
  /** The host process's internal address. */
  host: string;
  expires_at: string;
}
