import { coveredSeconds, mergeRanges, type WatchRange } from '../../domain/watch-ranges';
import type { Db } from './database';
import { createQueryShapeCache } from './query-shape-cache';
import type { WatchProgressTable } from './schema';

export interface WatchSessionState {
  id: string;
  recordingId: string;
  userId: string;
  startedAt: string;
  lastSeenAt: string;
  lastPosition: number;
  timeSpent: number;
  ranges: WatchRange[];
  heartbeats: number;
}

const parse = (text: string): WatchRange[] => mergeRanges(JSON.parse(text) as WatchRange[]);

type ViewerProgressRow = Pick<WatchProgressTable, 'recording_id' | 'watched_seconds' | 'last_position' | 'time_spent'>;

export function createWatchRepository(db: Db) {
  const bindProgressQuery = createQueryShapeCache<ViewerProgressRow>();
  return {
    async getSession(id: string): Promise<WatchSessionState | null> {
      const r = await db.selectFrom('watch_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? { id: r.id, recordingId: r.recording_id, userId: r.user_id, startedAt: r.started_at, lastSeenAt: r.last_seen_at, lastPosition: r.last_position, timeSpent: r.time_spent, ranges: parse(r.ranges), heartbeats: r.heartbeats } : null;
    },

    /** Writes many sessions and the per-student totals they change in one transaction. */
    async saveSessions(sessions: WatchSessionState[], durationOf: (recordingId: string) => number | null, now: string) {
      if (sessions.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const s of sessions) {
          const existing = await trx.selectFrom('watch_sessions').select('id').where('id', '=', s.id).executeTakeFirst();
          const row = { last_seen_at: s.lastSeenAt, last_position: s.lastPosition, time_spent: s.timeSpent, ranges: JSON.stringify(s.ranges), heartbeats: s.heartbeats };
          // Several processes may write one session; an older state never replaces a newer one.
          if (existing) await trx.updateTable('watch_sessions').set(row).where('id', '=', s.id).where('heartbeats', '<=', s.heartbeats).execute();
          else await trx.insertInto('watch_sessions').values({ id: s.id, recording_id: s.recordingId, user_id: s.userId, started_at: s.startedAt, ...row }).execute();
        }
        // Totals per (recording, student) are recomputed from all of the student's sessions: the union, not a sum.
        const pairs = new Map(sessions.map((s) => [`${s.recordingId}|${s.userId}`, s]));
        for (const s of pairs.values()) {
          const all = await trx.selectFrom('watch_sessions').select(['ranges', 'time_spent', 'last_position', 'last_seen_at']).where('recording_id', '=', s.recordingId).where('user_id', '=', s.userId).execute();
          const ranges = mergeRanges(all.flatMap((a) => parse(a.ranges)));
          const watched = coveredSeconds(ranges);
          const duration = durationOf(s.recordingId);
          const latest = all.reduce((x, y) => (y.last_seen_at > x.last_seen_at ? y : x));
          const values = {
            ranges: JSON.stringify(ranges), watched_seconds: duration ? Math.min(duration, watched) : watched,
            time_spent: all.reduce((sum, a) => sum + a.time_spent, 0), last_position: latest.last_position, sessions: all.length, updated_at: now,
          };
          const existing = await trx.selectFrom('watch_progress').select('user_id').where('recording_id', '=', s.recordingId).where('user_id', '=', s.userId).executeTakeFirst();
          if (existing) await trx.updateTable('watch_progress').set(values).where('recording_id', '=', s.recordingId).where('user_id', '=', s.userId).execute();
          else await trx.insertInto('watch_progress').values({ recording_id: s.recordingId, user_id: s.userId, ...values }).execute();
        }
      });
    },

    /** One viewer's progress on a page of recordings; the query is compiled once per page size. */
    async progressFor(userId: string, recordingIds: string[]) {
      if (recordingIds.length === 0) return [];
      const query = bindProgressQuery(String(recordingIds.length), [userId, ...recordingIds], () =>
        db.selectFrom('watch_progress').select(['recording_id', 'watched_seconds', 'last_position', 'time_spent']).where('user_id', '=', userId).where('recording_id', 'in', recordingIds),
      );
      return (await db.executeQuery(query)).rows;
    },

    async sessionsOf(recordingId: string) {
      const rows = await db.selectFrom('watch_sessions').select(['user_id', 'ranges', 'time_spent']).where('recording_id', '=', recordingId).execute();
      return rows.map((r) => ({ userId: r.user_id, ranges: parse(r.ranges), timeSpent: r.time_spent }));
    },

    async progressOfRecording(recordingId: string) {
      return db.selectFrom('watch_progress').select(['user_id', 'watched_seconds', 'time_spent', 'sessions', 'last_position']).where('recording_id', '=', recordingId).execute();
    },

    async progressOfRecordings(recordingIds: string[]) {
      if (recordingIds.length === 0) return [];
      return db.selectFrom('watch_progress').select(['recording_id', 'user_id', 'watched_seconds', 'time_spent']).where('recording_id', 'in', recordingIds).execute();
    },
  };
}

export type WatchRepository = ReturnType<typeof createWatchRepository>;
