import { type Kysely } from 'kysely';
import { serialColumn } from './columns';
import type { SqlDialectName } from './index';

/** The home page ("new since your last visit") and search over captions and chat text. */
export async function homeVisitsAndSearchCues(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
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
}
