import { type Kysely } from 'kysely';

/**
 * A recording's trim: the window staff keep, whether its precise cut is done, and the untrimmed media and timed
 * text it replaced (kept, so the trim can be undone at once). JSON; null when the recording is not trimmed.
 */
export async function recordingTrim(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('recordings').addColumn('trim', 'text').execute();
}
