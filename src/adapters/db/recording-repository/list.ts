import type { Db } from '../database';
import { createQueryShapeCache } from '../query-shape-cache';
import type { RecordingsTable } from '../schema';
import { type RecordingListFilter, type RecordingListItem, type RecordingRecord, toRecording } from './records';

/** Every recording column a listed item shows; the job's internal state stays out. */
const LIST_COLUMNS = [
  'r.id', 'r.live_class_id', 'r.title', 'r.status', 'r.previous_status', 'r.source', 'r.external_ref', 'r.started_at', 'r.ended_at', 'r.source_key',
  'r.source_size', 'r.chat_key', 'r.captions_key', 'r.duration_seconds', 'r.width', 'r.height', 'r.video_codec', 'r.audio_codec', 'r.bit_rate',
  'r.size_bytes', 'r.media', 'r.trim', 'r.paused_at', 'r.progress_stage', 'r.progress_percent', 'r.processing_error', 'r.deleted_at', 'r.purged_at', 'r.created_at', 'r.updated_at',
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

/** The lesson page's and the console's list of recordings, a page at a time. */
export function createRecordingList(db: Db) {
  const bindListQuery = createQueryShapeCache<ListRow>();

  return {
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
  };
}
