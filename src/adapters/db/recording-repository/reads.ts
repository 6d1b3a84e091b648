import type { Db } from '../database';
import { type RecordingRecord, toRecording } from './records';

/** One recording by id or by provider reference, its access facts and its history. */
export function createRecordingReads(db: Db) {
  return {
    /** Recordings by provider (source) and state, for the metrics endpoint. */
    async countByProviderAndState() {
      const rows = await db.selectFrom('recordings').select((eb) => ['source', 'status', eb.fn.countAll<number>().as('n')]).groupBy(['source', 'status']).execute();
      return rows.map((r) => ({ provider: r.source, state: r.status, count: Number(r.n) }));
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
        .select(['r.id', 'r.status', 'r.media', 'r.trim', 'r.title', 'r.duration_seconds as durationSeconds', 'r.purged_at as purgedAt', 'c.batch_id as batchId', 'c.lesson_id as lessonId', 'c.id as liveClassId'])
        .where('r.id', '=', id)
        .executeTakeFirst();
    },
    async activeForClass(liveClassId: string): Promise<RecordingRecord[]> {
      return (await db.selectFrom('recordings').selectAll().where('live_class_id', '=', liveClassId).where('status', '=', 'recording').execute()).map(toRecording);
    },
    async events(recordingId: string) {
      return db.selectFrom('recording_events').select(['from_status as from', 'to_status as to', 'actor', 'reason', 'at']).where('recording_id', '=', recordingId).orderBy('id').execute();
    },
  };
}
