import { sql } from 'kysely';
import type { Db } from './database';
import type { SearchCuesTable } from './schema';

export interface CueMatchRow {
  recordingId: string;
  kind: SearchCuesTable['kind'];
  startSeconds: number;
  text: string;
}

/** Text search over what a viewer may see (patterns from `containsPattern` in the domain); `batchIds` null means everything (admin). Matching is case-insensitive. */
export function createSearchRepository(db: Db) {
  const like = (column: string, pattern: string) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
  return {
    async courses(batchIds: string[] | null, pattern: string, limit: number) {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('courses').select(['id', 'title', 'description']).where((eb) => eb.or([like('title', pattern), like('description', pattern)])).orderBy('title').limit(limit);
      if (batchIds) q = q.where('id', 'in', db.selectFrom('batch_courses').select('course_id').where('batch_id', 'in', batchIds));
      return q.execute();
    },

    async lessons(batchIds: string[] | null, pattern: string, limit: number) {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('lessons as l').innerJoin('courses as co', 'co.id', 'l.course_id')
        .select(['l.id', 'l.title', 'l.description', 'l.course_id as courseId', 'co.title as courseTitle'])
        .where((eb) => eb.or([like('l.title', pattern), like('l.description', pattern)])).orderBy('l.title').limit(limit);
      if (batchIds) q = q.where('l.course_id', 'in', db.selectFrom('batch_courses').select('course_id').where('batch_id', 'in', batchIds));
      return q.execute();
    },

    /** Ready recordings whose own title or whose class's title matches. */
    async recordingsByTitle(batchIds: string[] | null, pattern: string, limit: number): Promise<string[]> {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id').select('r.id')
        .where('r.status', '=', 'ready').where('c.deleted_at', 'is', null)
        .where((eb) => eb.or([like('r.title', pattern), like('c.title', pattern)]))
        .orderBy('r.started_at', 'desc').orderBy('r.id', 'desc').limit(limit);
      if (batchIds) q = q.where('c.batch_id', 'in', batchIds);
      return (await q.execute()).map((r) => r.id);
    },

    /** Caption and chat lines that match, in ready recordings the viewer may see, newest recording first. */
    async cueMatches(batchIds: string[] | null, pattern: string, limit: number): Promise<CueMatchRow[]> {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('search_cues as s').innerJoin('recordings as r', 'r.id', 's.recording_id').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .select(['s.recording_id', 's.kind', 's.start_seconds', 's.text'])
        .where('r.status', '=', 'ready').where('c.deleted_at', 'is', null).where(like('s.text', pattern))
        .orderBy('r.started_at', 'desc').orderBy('r.id', 'desc').orderBy('s.start_seconds').limit(limit);
      if (batchIds) q = q.where('c.batch_id', 'in', batchIds);
      return (await q.execute()).map((r) => ({ recordingId: r.recording_id, kind: r.kind, startSeconds: r.start_seconds, text: r.text }));
    },

    /** What a search result shows of each recording found. */
    async recordingSummaries(ids: string[]) {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .select(['r.id', 'r.title', 'r.started_at', 'r.duration_seconds', 'c.id as class_id', 'c.title as class_title', 'c.lesson_id'])
        .where('r.id', 'in', ids).execute();
      return rows.map((r) => ({ id: r.id, title: r.title, startedAt: r.started_at, durationSeconds: r.duration_seconds, liveClass: { id: r.class_id, title: r.class_title, lessonId: r.lesson_id } }));
    },

    /** Ready recordings in scope whose captions or chat are not indexed as they are now. */
    async staleForIndex(batchIds: string[] | null, limit: number) {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .leftJoin('search_indexed as x', 'x.recording_id', 'r.id')
        .select(['r.id', 'r.captions_key', 'r.chat_key', 'r.updated_at'])
        .where('r.status', '=', 'ready')
        .where((eb) => eb.or([eb('r.captions_key', 'is not', null), eb('r.chat_key', 'is not', null)]))
        .where((eb) => eb.or([eb('x.recording_id', 'is', null), eb('x.recording_version', '!=', eb.ref('r.updated_at'))]))
        .limit(limit);
      if (batchIds) q = q.where('c.batch_id', 'in', batchIds);
      return (await q.execute()).map((r) => ({ id: r.id, captionsKey: r.captions_key, chatKey: r.chat_key, version: r.updated_at }));
    },

    /** Replaces a recording's indexed lines in one transaction. */
    async replaceCues(recordingId: string, cues: Omit<CueMatchRow, 'recordingId'>[], marker: { captionsKey: string | null; chatKey: string | null; version: string }) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('search_cues').where('recording_id', '=', recordingId).execute();
        for (let i = 0; i < cues.length; i += 200) {
          await trx.insertInto('search_cues').values(cues.slice(i, i + 200).map((c) => ({ recording_id: recordingId, kind: c.kind, start_seconds: c.startSeconds, text: c.text }))).execute();
        }
        await trx.deleteFrom('search_indexed').where('recording_id', '=', recordingId).execute();
        await trx.insertInto('search_indexed').values({ recording_id: recordingId, captions_key: marker.captionsKey, chat_key: marker.chatKey, recording_version: marker.version }).execute();
      });
    },
  };
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
