import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { serialColumn } from './columns';
import { providerInbox } from './0004-provider-inbox';
import { notificationsWebhooksShareLinks } from './0006-notifications';
import { lti } from './0007-lti';
import { homeVisitsAndSearchCues } from './0008-home-and-search';
import { recordingTrim } from './0009-recording-trim';
import { roomHosts } from './0010-room-hosts';
import { recordingPause } from './0011-recording-pause';

export type SqlDialectName = 'sqlite' | 'postgres';


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
  '0006_notifications_webhooks_share_links': notificationsWebhooksShareLinks,
  '0007_lti': lti,
  '0008_home_visits_and_search_cues': homeVisitsAndSearchCues,
  '0009_recording_trim': recordingTrim,
  '0010_room_hosts': roomHosts,
  '0011_recording_pause': recordingPause,
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
