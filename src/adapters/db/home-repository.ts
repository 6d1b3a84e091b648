import type { LessonWatchCounts } from '../../contracts/api/viewer-home';
import type { RecordingMedia } from '../../domain/recording-media';
import type { Db } from './database';
import type { LiveClassesTable } from './schema';

/** A ready recording as the home page lists it (continue watching, new since the last visit). */
export interface HomeRecordingRow {
  id: string;
  title: string;
  startedAt: string;
  durationSeconds: number | null;
  media: RecordingMedia | null;
  liveClass: { id: string; title: string; batchId: string; lessonId: string | null; provider: string };
}

export interface HomeProgressRow extends HomeRecordingRow {
  lastPosition: number;
  watchedSeconds: number;
  watchedAt: string;
}

export interface HomeClassRow {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: LiveClassesTable['provider'];
  status: LiveClassesTable['status'];
  startsAt: string;
  durationMinutes: number;
}

export type { LessonWatchCounts };

const RECORDING_COLUMNS = [
  'r.id', 'r.title', 'r.started_at', 'r.duration_seconds', 'r.media',
  'c.id as class_id', 'c.title as class_title', 'c.batch_id as class_batch_id', 'c.lesson_id as class_lesson_id', 'c.provider as class_provider',
] as const;

interface RecordingRow {
  id: string; title: string; started_at: string; duration_seconds: number | null; media: string | null;
  class_id: string; class_title: string; class_batch_id: string; class_lesson_id: string | null; class_provider: string;
}

function toHomeRecording(r: RecordingRow): HomeRecordingRow {
  return {
    id: r.id, title: r.title, startedAt: r.started_at, durationSeconds: r.duration_seconds, media: r.media ? (JSON.parse(r.media) as RecordingMedia) : null,
    liveClass: { id: r.class_id, title: r.class_title, batchId: r.class_batch_id, lessonId: r.class_lesson_id, provider: r.class_provider },
  };
}

/** Queries of the home page; every one is limited to the batches the viewer may see (null: all, for admins). */
export function createHomeRepository(db: Db) {
  const readyIn = (batchIds: string[] | null) => {
    let q = db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id').where('r.status', '=', 'ready').where('c.deleted_at', 'is', null);
    if (batchIds) q = q.where('c.batch_id', 'in', batchIds);
    return q;
  };
  return {
    /** Recordings the user stopped part-way through, most recently watched first. */
    async inProgressFor(userId: string, batchIds: string[] | null, limit: number): Promise<HomeProgressRow[]> {
      if (batchIds?.length === 0) return [];
      const rows = await readyIn(batchIds)
        .innerJoin('watch_progress as w', (j) => j.onRef('w.recording_id', '=', 'r.id').on('w.user_id', '=', userId))
        .select(RECORDING_COLUMNS)
        .select(['w.last_position', 'w.watched_seconds', 'w.updated_at as watched_at'])
        .orderBy('w.updated_at', 'desc')
        .limit(limit * 3)
        .execute();
      return rows.map((r) => ({ ...toHomeRecording(r), lastPosition: r.last_position, watchedSeconds: r.watched_seconds, watchedAt: r.watched_at }));
    },

    /** Ready recordings that became ready after `since`, newest first. */
    async readySince(batchIds: string[] | null, since: string, limit: number): Promise<HomeRecordingRow[]> {
      if (batchIds?.length === 0) return [];
      const rows = await readyIn(batchIds)
        .where((eb) => eb.exists(eb.selectFrom('recording_events as e').select('e.id').whereRef('e.recording_id', '=', 'r.id').where('e.to_status', '=', 'ready').where('e.at', '>', since)))
        .select(RECORDING_COLUMNS)
        .orderBy('r.started_at', 'desc')
        .orderBy('r.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toHomeRecording);
    },

    /** Classes held live (not upload folders) running now or scheduled from `startsFrom` on, soonest first. */
    async liveAndScheduled(batchIds: string[] | null, startsFrom: string, limit: number): Promise<HomeClassRow[]> {
      if (batchIds?.length === 0) return [];
      let q = db.selectFrom('live_classes')
        .select(['id', 'title', 'batch_id', 'lesson_id', 'provider', 'status', 'starts_at', 'duration_minutes'])
        .where('deleted_at', 'is', null)
        .where('provider', '!=', 'upload')
        .where((eb) => eb.or([eb('status', '=', 'live'), eb.and([eb('status', '=', 'scheduled'), eb('starts_at', '>=', startsFrom)])]))
        .orderBy('starts_at')
        .orderBy('id')
        .limit(limit);
      if (batchIds) q = q.where('batch_id', 'in', batchIds);
      return (await q.execute()).map((r) => ({ id: r.id, title: r.title, batchId: r.batch_id, lessonId: r.lesson_id, provider: r.provider, status: r.status, startsAt: r.starts_at, durationMinutes: r.duration_minutes }));
    },

    /** Per lesson: ready recordings the viewer may see, how many they watched (≥ `watchedShare`) and opened. */
    async lessonCounts(userId: string | null, batchIds: string[] | null, watchedShare: number): Promise<LessonWatchCounts[]> {
      if (batchIds?.length === 0) return [];
      const rows = await readyIn(batchIds)
        .leftJoin('watch_progress as w', (j) => j.onRef('w.recording_id', '=', 'r.id').on('w.user_id', '=', userId ?? ''))
        .where('c.lesson_id', 'is not', null)
        .select(['c.lesson_id', 'r.duration_seconds', 'w.watched_seconds'])
        .execute();
      const byLesson = new Map<string, LessonWatchCounts>();
      for (const r of rows) {
        const lessonId = r.lesson_id!;
        const counts = byLesson.get(lessonId) ?? { lessonId, recordings: 0, watched: 0, started: 0 };
        counts.recordings += 1;
        if (r.watched_seconds !== null) {
          counts.started += 1;
          if (r.duration_seconds && r.watched_seconds >= r.duration_seconds * watchedShare) counts.watched += 1;
        }
        byLesson.set(lessonId, counts);
      }
      return [...byLesson.values()];
    },

    /** Part numbers: the ready recordings of these classes in start order. */
    async readyOfClasses(liveClassIds: string[]): Promise<{ id: string; liveClassId: string }[]> {
      if (liveClassIds.length === 0) return [];
      const rows = await db.selectFrom('recordings').select(['id', 'live_class_id']).where('live_class_id', 'in', liveClassIds).where('status', '=', 'ready')
        .orderBy('started_at').orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, liveClassId: r.live_class_id }));
    },

    /** Records a visit; the previous one moves back only when the last was longer ago than `sessionGapMs`. */
    async recordVisit(userId: string, now: string, sessionGapMs: number): Promise<{ previousVisitAt: string | null }> {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('home_visits').select(['last_visit_at', 'previous_visit_at']).where('user_id', '=', userId).executeTakeFirst();
        if (!row) {
          await trx.insertInto('home_visits').values({ user_id: userId, last_visit_at: now, previous_visit_at: null }).execute();
          return { previousVisitAt: null };
        }
        const newSession = Date.parse(now) - Date.parse(row.last_visit_at) > sessionGapMs;
        const previous = newSession ? row.last_visit_at : row.previous_visit_at;
        await trx.updateTable('home_visits').set({ last_visit_at: now, previous_visit_at: previous }).where('user_id', '=', userId).execute();
        return { previousVisitAt: previous };
      });
    },
  };
}

export type HomeRepository = ReturnType<typeof createHomeRepository>;
