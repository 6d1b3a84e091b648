import { type Kysely } from 'kysely';

/** When a recording was paused; null while it records (or was never paused). Each pause and resume is also an event. */
export async function recordingPause(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('recordings').addColumn('paused_at', 'text').execute();
}
