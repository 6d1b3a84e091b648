import type { Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are ISO-8601 UTC strings (sortable text on both),
 * booleans are 0/1 integers, JSON is text: the same repository code runs on either database.
 */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'instructor' | 'student';
  password_hash: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AuthTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  kind: 'login' | 'lms';
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface CoursesTable {
  id: string;
  title: string;
  description: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChaptersTable {
  id: string;
  course_id: string;
  title: string;
  position: number;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface LessonsTable {
  id: string;
  course_id: string;
  chapter_id: string;
  title: string;
  description: string;
  position: number;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchesTable {
  id: string;
  name: string;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface BatchCoursesTable {
  batch_id: string;
  course_id: string;
}

export interface EnrollmentsTable {
  batch_id: string;
  user_id: string;
  created_at: string;
}

export interface BatchInstructorsTable {
  batch_id: string;
  user_id: string;
  created_at: string;
}

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

export interface JobsTable {
  id: string;
  name: string;
  data: string;
  /** Deduplicates: an enqueue with a key already queued or running is a no-op. */
  dedupe_key: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_user_id: string | null;
  actor_kind: string;
  recording_id: string | null;
  action: string;
  outcome: 'allowed' | 'denied';
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

export interface WatchSessionsTable {
  id: string;
  recording_id: string;
  user_id: string;
  started_at: string;
  last_seen_at: string;
  last_position: number;
  /** Seconds of wall time the player was playing in this session. */
  time_spent: number;
  /** JSON array of [start, end] second ranges watched in this session, merged. */
  ranges: string;
  heartbeats: number;
}

export interface WatchProgressTable {
  recording_id: string;
  user_id: string;
  /** JSON array of merged [start, end] ranges across all sessions. */
  ranges: string;
  watched_seconds: number;
  time_spent: number;
  last_position: number;
  sessions: number;
  updated_at: string;
}

/** Verified provider webhook deliveries, kept until handled and for a week after (deduplication). */
export interface ProviderInboxTable {
  id: string;
  provider: string;
  account_id: string;
  delivery_id: string;
  event_type: string;
  body_encrypted: string;
  status: 'received' | 'done' | 'failed';
  attempts: number;
  claimed_until: string | null;
  /** JSON: what handling the event did, as answered to the provider. */
  outcome: string | null;
  received_at: string;
  handled_at: string | null;
}

/** Time present in a provider's room (LiveKit), per participant session. */
export interface ProviderAttendanceTable {
  live_class_id: string;
  session_id: string;
  user_id: string | null;
  identity: string;
  name: string;
  joined_at: string;
  left_at: string | null;
}

export interface ProviderAccountsTable {
  id: string;
  provider: string;
  name: string;
  /** Non-secret settings as JSON. */
  settings: string;
  /** Secrets as AES-GCM ciphertext (base64url) keyed from AULA_SECRET. */
  secrets_encrypted: string;
  created_at: string;
  updated_at: string;
}

export interface LtiPlatformsTable {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_url: string;
  /** JSON array of the platform's deployment ids that may launch. */
  deployment_ids: string;
  /** The course a context's new batch takes; null creates a course per context. */
  course_id: string | null;
  administrator_role: 'admin' | 'instructor' | 'student';
  created_at: string;
  updated_at: string;
}

export interface LtiToolKeysTable {
  kid: string;
  public_jwk: string;
  /** AES-GCM ciphertext of the private JWK, keyed from AULA_SECRET. */
  private_jwk_encrypted: string;
  created_at: string;
  /** Set when a newer key took over signing; still published during the overlap. */
  retired_at: string | null;
}

export interface LtiLoginStatesTable {
  state: string;
  platform_id: string;
  nonce: string;
  /** SHA-256 of the secret kept in the browser that started the login. */
  binding_hash: string;
  created_at: string;
  expires_at: string;
  verified_at: string | null;
  /** JSON: where the verified launch lands (user, redirect). */
  outcome: string | null;
  session_issued_at: string | null;
}

export interface LtiUsedNoncesTable {
  platform_id: string;
  nonce: string;
  expires_at: string;
}

export interface LtiUsersTable {
  platform_id: string;
  subject: string;
  user_id: string;
}

export interface LtiContextsTable {
  id: string;
  platform_id: string;
  context_id: string;
  batch_id: string;
  title: string;
  memberships_url: string | null;
  last_synced_at: string | null;
  created_at: string;
}

export interface LtiResourceLinksTable {
  id: string;
  context_row_id: string;
  link_id: string;
  lesson_id: string | null;
  line_item_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface LtiScoresTable {
  id: string;
  resource_link_row_id: string;
  user_id: string;
  subject: string;
  posted_percent: number | null;
  posted_timestamp: string | null;
  created_at: string;
}

export interface LtiRegistrationLinksTable {
  id: string;
  token_hash: string;
  name: string;
  course_id: string | null;
  administrator_role: 'admin' | 'instructor' | 'student';
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** When a user last opened the home page, and the visit before that ("new since your last visit"). */
export interface HomeVisitsTable {
  user_id: string;
  last_visit_at: string;
  previous_visit_at: string | null;
}

/** Caption and chat lines of recordings, for search; rebuilt when a recording's captions or chat change. */
export interface SearchCuesTable {
  id: Generated<number>;
  recording_id: string;
  kind: 'caption' | 'chat';
  start_seconds: number;
  text: string;
}

/** Which version of a recording (its updated_at) and which of its files search_cues was built from. */
export interface SearchIndexedTable {
  recording_id: string;
  captions_key: string | null;
  chat_key: string | null;
  recording_version: string;
}

/** Something that happened which people or the LMS are told about; written in the transaction of the change. */
export interface OutboxEventsTable {
  id: string;
  type: string;
  subject_id: string;
  /** JSON: the ids the event names, fixed when it happened. */
  data: string;
  occurred_at: string;
  dispatched_at: string | null;
  locked_until: string | null;
}

export interface EmailDeliveriesTable {
  id: string;
  event_id: string;
  /** One mail per kind, subject and user: a recording's retries and renditions never mail twice. */
  kind: string;
  subject_id: string;
  user_id: string;
  to_address: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationSettingsTable {
  user_id: string;
  email_enabled: number;
  /** Set when the mail server refused the address for good; mails to it are skipped. */
  email_refused_at: string | null;
  email_refused_reason: string | null;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string;
  /** JSON array of event types. */
  event_types: string;
  secret_encrypted: string;
  /** The secret before the last rotation, still signing until `previous_secret_expires_at`. */
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  throttled_until: string | null;
  created_at: string;
  updated_at: string;
}

/** One event for one endpoint: the `webhook-id` and the exact body every attempt sends. */
export interface WebhookMessagesTable {
  id: string;
  endpoint_id: string;
  event_id: string | null;
  event_type: string;
  payload: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  message_id: string;
  endpoint_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
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

export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  auth_tokens: AuthTokensTable;
  courses: CoursesTable;
  chapters: ChaptersTable;
  lessons: LessonsTable;
  batches: BatchesTable;
  batch_courses: BatchCoursesTable;
  enrollments: EnrollmentsTable;
  batch_instructors: BatchInstructorsTable;
  live_classes: LiveClassesTable;
  recordings: RecordingsTable;
  recording_events: RecordingEventsTable;
  jobs: JobsTable;
  audit_events: AuditEventsTable;
  watch_sessions: WatchSessionsTable;
  watch_progress: WatchProgressTable;
  provider_inbox: ProviderInboxTable;
  provider_attendance: ProviderAttendanceTable;
  provider_accounts: ProviderAccountsTable;
  lti_platforms: LtiPlatformsTable;
  lti_tool_keys: LtiToolKeysTable;
  lti_login_states: LtiLoginStatesTable;
  lti_used_nonces: LtiUsedNoncesTable;
  lti_users: LtiUsersTable;
  lti_contexts: LtiContextsTable;
  lti_resource_links: LtiResourceLinksTable;
  lti_scores: LtiScoresTable;
  lti_registration_links: LtiRegistrationLinksTable;
  home_visits: HomeVisitsTable;
  search_cues: SearchCuesTable;
  search_indexed: SearchIndexedTable;
  outbox_events: OutboxEventsTable;
  email_deliveries: EmailDeliveriesTable;
  notification_settings: NotificationSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  share_links: ShareLinksTable;
}
