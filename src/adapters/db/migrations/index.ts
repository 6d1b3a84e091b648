import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { providerInbox } from './0004-provider-inbox';

export type SqlDialectName = 'sqlite' | 'postgres';

/** Column helper: an auto-incrementing integer key on either database. */
function serialColumn(dialect: SqlDialectName) {
  return dialect === 'postgres' ? ('bigserial' as const) : ('integer' as const);
}

type Up = (db: Kysely<unknown>, dialect: SqlDialectName) => Promise<void>;

const migrations: Record<string, Up> = {
  '0001_identity_and_catalog': async (db) => {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('key_prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema
      .createTable('auth_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('courses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('chapters')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('chapters_course').on('chapters').columns(['course_id', 'position']).execute();
    await db.schema
      .createTable('lessons')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
      .addColumn('chapter_id', 'text', (c) => c.notNull().references('chapters.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('lessons_chapter').on('lessons').columns(['chapter_id', 'position']).execute();
    await db.schema.createIndex('lessons_course').on('lessons').column('course_id').execute();
    await db.schema
      .createTable('batches')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('batch_courses')
      .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('batch_courses_pk', ['batch_id', 'course_id'])
      .execute();
    await db.schema.createIndex('batch_courses_course').on('batch_courses').column('course_id').execute();
    for (const table of ['enrollments', 'batch_instructors'] as const) {
      await db.schema
        .createTable(table)
        .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${table}_pk`, ['batch_id', 'user_id'])
        .execute();
      await db.schema.createIndex(`${table}_user`).on(table).columns(['user_id', 'batch_id']).execute();
    }
  },

  '0002_live_classes_recordings_jobs': async (db, dialect) => {
    await db.schema
      .createTable('live_classes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id'))
      .addColumn('lesson_id', 'text', (c) => c.references('lessons.id'))
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('duration_minutes', 'integer', (c) => c.notNull())
      .addColumn('auto_record', 'integer', (c) => c.notNull())
      .addColumn('provider_account_id', 'text')
      .addColumn('provider_meeting_id', 'text')
      .addColumn('provider_data', 'text')
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('deleted_at', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('live_classes_lesson').on('live_classes').columns(['lesson_id', 'batch_id']).execute();
    await db.schema.createIndex('live_classes_batch').on('live_classes').columns(['batch_id', 'starts_at']).execute();
    await db.schema.createIndex('live_classes_meeting').on('live_classes').columns(['provider', 'provider_meeting_id']).execute();
    await db.schema
      .createTable('recordings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('live_class_id', 'text', (c) => c.notNull().references('live_classes.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('previous_status', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('external_ref', 'text', (c) => c.unique())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('source_key', 'text')
      .addColumn('source_size', 'bigint')
      .addColumn('chat_key', 'text')
      .addColumn('captions_key', 'text')
      .addColumn('duration_seconds', 'double precision')
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('video_codec', 'text')
      .addColumn('audio_codec', 'text')
      .addColumn('bit_rate', 'bigint')
      .addColumn('size_bytes', 'bigint')
      .addColumn('media', 'text')
      .addColumn('progress_stage', 'text')
      .addColumn('progress_percent', 'double precision')
      .addColumn('processing_error', 'text')
      .addColumn('job_state', 'text')
      .addColumn('deleted_at', 'text')
      .addColumn('purged_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Serves the lesson page: ready recordings of a class, newest first.
    await db.schema
      .createIndex('recordings_class_status_start')
      .on('recordings')
      .columns(['live_class_id', 'status', 'started_at', 'id'])
      .execute();
    await db.schema.createIndex('recordings_deleted').on('recordings').columns(['status', 'deleted_at']).execute();
    await db.schema
      .createTable('recording_events')
      .addColumn('id', serialColumn(dialect), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
      .addColumn('from_status', 'text')
      .addColumn('to_status', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('recording_events_recording').on('recording_events').columns(['recording_id', 'id']).execute();
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    await db.schema.createIndex('jobs_dedupe').on('jobs').columns(['dedupe_key', 'status']).execute();
  },

  '0003_playback_audit_providers': async (db, dialect) => {
    await db.schema
      .createTable('audit_events')
      .addColumn('id', serialColumn(dialect), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_user_id', 'text')
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('recording_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_recording').on('audit_events').columns(['recording_id', 'id']).execute();
    await db.schema.createIndex('audit_user').on('audit_events').columns(['actor_user_id', 'id']).execute();
    await db.schema
      .createTable('watch_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recording_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_position', 'double precision', (c) => c.notNull())
      .addColumn('time_spent', 'double precision', (c) => c.notNull())
      .addColumn('ranges', 'text', (c) => c.notNull())
      .addColumn('heartbeats', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('watch_sessions_recording').on('watch_sessions').columns(['recording_id', 'user_id']).execute();
    await db.schema
      .createTable('watch_progress')
      .addColumn('recording_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('ranges', 'text', (c) => c.notNull())
      .addColumn('watched_seconds', 'double precision', (c) => c.notNull())
      .addColumn('time_spent', 'double precision', (c) => c.notNull())
      .addColumn('last_position', 'double precision', (c) => c.notNull())
      .addColumn('sessions', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('watch_progress_pk', ['recording_id', 'user_id'])
      .execute();
    await db.schema.createIndex('watch_progress_user').on('watch_progress').columns(['user_id', 'recording_id']).execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_deliveries_pk', ['provider', 'delivery_id'])
      .execute();
    await db.schema
      .createTable('provider_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('secrets_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Keeps the application append-only on the audit log where the database can enforce it.
    if (dialect === 'sqlite') {
      await sql`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
      await sql`CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END`.execute(db);
    } else {
      await sql`CREATE FUNCTION aula_audit_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$ LANGUAGE plpgsql`.execute(db);
      await sql`CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION aula_audit_append_only()`.execute(db);
    }
  },

  '0004_provider_inbox': providerInbox,
  '0006_notifications_webhooks_share_links': async (db, dialect) => {
    await db.schema
      .createTable('outbox_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('dispatched_at', 'text')
      .addColumn('locked_until', 'text')
      .execute();
    await db.schema.createIndex('outbox_events_pending').on('outbox_events').columns(['dispatched_at', 'id']).execute();
    await db.schema
      .createTable('email_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('sent_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('email_deliveries_once', ['kind', 'subject_id', 'user_id'])
      .execute();
    await db.schema.createIndex('email_deliveries_due').on('email_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema
      .createTable('notification_settings')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('email_enabled', 'integer', (c) => c.notNull())
      .addColumn('email_refused_at', 'text')
      .addColumn('email_refused_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('secret_encrypted', 'text', (c) => c.notNull())
      .addColumn('previous_secret_encrypted', 'text')
      .addColumn('previous_secret_expires_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('throttled_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('event_id', 'text')
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('delivered_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('webhook_messages_once', ['endpoint_id', 'event_id'])
      .execute();
    await db.schema.createIndex('webhook_messages_due').on('webhook_messages').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_messages_endpoint').on('webhook_messages').columns(['endpoint_id', 'id']).execute();
    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', serialColumn(dialect), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('message_id', 'text', (c) => c.notNull().references('webhook_messages.id').onDelete('cascade'))
      .addColumn('endpoint_id', 'text', (c) => c.notNull())
      .addColumn('attempted_at', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_attempts_message').on('webhook_attempts').columns(['message_id', 'id']).execute();
    await db.schema
      .createTable('share_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('max_views', 'integer')
      .addColumn('views', 'integer', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_by', 'text')
      .execute();
    await db.schema.createIndex('share_links_recording').on('share_links').columns(['recording_id', 'id']).execute();
  },
  '0007_lti': async (db) => {
    await db.schema
      .createTable('lti_platforms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('authorization_endpoint', 'text', (c) => c.notNull())
      .addColumn('token_endpoint', 'text', (c) => c.notNull())
      .addColumn('jwks_url', 'text', (c) => c.notNull())
      .addColumn('deployment_ids', 'text', (c) => c.notNull())
      .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('set null'))
      .addColumn('administrator_role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_platforms_issuer_client', ['issuer', 'client_id'])
      .execute();
    await db.schema
      .createTable('lti_tool_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_jwk_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'text')
      .execute();
    await db.schema
      .createTable('lti_login_states')
      .addColumn('state', 'text', (c) => c.primaryKey())
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('binding_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('verified_at', 'text')
      .addColumn('outcome', 'text')
      .addColumn('session_issued_at', 'text')
      .execute();
    await db.schema
      .createTable('lti_used_nonces')
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('lti_used_nonces_pk', ['platform_id', 'nonce'])
      .execute();
    await db.schema
      .createTable('lti_users')
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('lti_users_pk', ['platform_id', 'subject'])
      .execute();
    await db.schema.createIndex('lti_users_user').on('lti_users').column('user_id').execute();
    await db.schema
      .createTable('lti_contexts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('platform_id', 'text', (c) => c.notNull().references('lti_platforms.id').onDelete('cascade'))
      .addColumn('context_id', 'text', (c) => c.notNull())
      .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('memberships_url', 'text')
      .addColumn('last_synced_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_contexts_platform_context', ['platform_id', 'context_id'])
      .execute();
    await db.schema
      .createTable('lti_resource_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('context_row_id', 'text', (c) => c.notNull().references('lti_contexts.id').onDelete('cascade'))
      .addColumn('link_id', 'text', (c) => c.notNull())
      .addColumn('lesson_id', 'text', (c) => c.references('lessons.id').onDelete('set null'))
      .addColumn('line_item_url', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_resource_links_context_link', ['context_row_id', 'link_id'])
      .execute();
    await db.schema.createIndex('lti_resource_links_lesson').on('lti_resource_links').column('lesson_id').execute();
    await db.schema
      .createTable('lti_scores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('resource_link_row_id', 'text', (c) => c.notNull().references('lti_resource_links.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('posted_percent', 'double precision')
      .addColumn('posted_timestamp', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('lti_scores_link_user', ['resource_link_row_id', 'user_id'])
      .execute();
    await db.schema
      .createTable('lti_registration_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('set null'))
      .addColumn('administrator_role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute();
  },
  // The web app's home page ("new since your last visit") and search over captions and chat text.
  '0008_home_visits_and_search_cues': async (db, dialect) => {
    await db.schema
      .createTable('home_visits')
      .addColumn('user_id', 'text', (c) => c.primaryKey())
      .addColumn('last_visit_at', 'text', (c) => c.notNull())
      .addColumn('previous_visit_at', 'text')
      .execute();
    await db.schema
      .createTable('search_cues')
      .addColumn('id', serialColumn(dialect), (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('recording_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('start_seconds', 'double precision', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('search_cues_recording').on('search_cues').columns(['recording_id', 'start_seconds']).execute();
    await db.schema
      .createTable('search_indexed')
      .addColumn('recording_id', 'text', (c) => c.primaryKey())
      .addColumn('captions_key', 'text')
      .addColumn('chat_key', 'text')
      .addColumn('recording_version', 'text', (c) => c.notNull())
      .execute();
  },
};

export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, up] of Object.entries(migrations)) out[name] = { up: (db) => up(db, dialect) };
      return out;
    },
  };
}
