import { AccessDenied, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { heatmap, WATCHED_SHARE, watchedPercent } from '../../domain/watch-ranges';
import type { RecordingInfo } from './recording-info';
import type { SessionWriter } from './session-writer';
import { type ClassWatch, GUEST_PREFIX, type WatchAnalyticsDeps } from './types';
import type { RecordingAnalytics, WatchReport } from '../../contracts/api/analytics';

/** What was watched, read after the pending heartbeats are written: resume points, a recording's analytics, reports. */
export function createWatchReports(deps: Pick<WatchAnalyticsDeps, 'watch' | 'recordings' | 'catalog' | 'access'>, info: RecordingInfo, writer: SessionWriter) {
  const { flush } = writer;

  async function assertStaffView(viewer: Principal, recordingId: string) {
    const recording = await info.infoOf(recordingId);
    if (!recording) throw new NotFound('Recording', recordingId);
    if (viewer.role === 'student') throw new AccessDenied('Only instructors and admins see analytics');
    await deps.access.assertCanManage(viewer, recording.batchId);
    return recording;
  }

  return {
    /** "Continue where you left off" and watched percentage for one viewer. */
    async progressFor(viewer: Principal, items: { id: string; durationSeconds: number | null }[]) {
      if (viewer.kind !== 'user' || items.length === 0) return new Map<string, { lastPosition: number; watchedPercent: number }>();
      await flush();
      const rows = await deps.watch.progressFor(viewer.userId, items.map((i) => i.id));
      const duration = new Map(items.map((i) => [i.id, i.durationSeconds]));
      return new Map(rows.map((r) => [r.recording_id, { lastPosition: r.last_position, watchedPercent: watchedPercent(r.watched_seconds, duration.get(r.recording_id) ?? null) }]));
    },

    async recordingAnalytics(viewer: Principal, recordingId: string, bucketSeconds = 5): Promise<RecordingAnalytics> {
      const recording = await assertStaffView(viewer, recordingId);
      await flush();
      const [sessionRows, progress] = await Promise.all([deps.watch.sessionsOf(recordingId), deps.watch.progressOfRecording(recordingId)]);
      const duration = recording.duration ?? 0;
      const viewers = progress.length;
      const completed = progress.filter((p) => duration > 0 && p.watched_seconds / duration >= WATCHED_SHARE).length;
      return {
        recordingId,
        durationSeconds: recording.duration,
        views: sessionRows.filter((s) => s.ranges.length > 0).length,
        uniqueViewers: viewers,
        guestViewers: progress.filter((p) => p.user_id.startsWith(GUEST_PREFIX)).length,
        totalWatchSeconds: Math.round(sessionRows.reduce((sum, s) => sum + s.timeSpent, 0) * 10) / 10,
        completionRate: viewers ? Math.round((completed / viewers) * 1000) / 1000 : 0,
        heatmap: { bucketSeconds, views: heatmap(sessionRows.map((s) => s.ranges), duration, bucketSeconds) },
        viewers: progress.map((p) => ({ userId: p.user_id, guest: p.user_id.startsWith(GUEST_PREFIX), watchedSeconds: p.watched_seconds, watchedPercent: watchedPercent(p.watched_seconds, duration), timeSpentSeconds: Math.round(p.time_spent), sessions: p.sessions })),
      };
    },

    /** Per student, per ready recording of the batch: the watched percentage an instructor exports as attendance. */
    async batchWatchReport(viewer: Principal, batchId: string): Promise<WatchReport> {
      if (viewer.role === 'student') throw new AccessDenied('Only instructors and admins see watch reports');
      await deps.access.requireBatch(batchId);
      await deps.access.assertCanManage(viewer, batchId);
      await flush();
      const [students, recordings] = await Promise.all([
        deps.catalog.listMembers('enrollments', batchId),
        deps.recordings.list({ batchId, batchIds: null, statuses: ['ready'], limit: 1000 }),
      ]);
      const rows = await deps.watch.progressOfRecordings(recordings.map((r) => r.id));
      const watched = new Map(rows.map((r) => [`${r.recording_id}|${r.user_id}`, r]));
      return {
        batchId,
        recordings: recordings.map((r) => ({ id: r.id, title: r.title, startedAt: r.startedAt, durationSeconds: r.durationSeconds, liveClassId: r.liveClass.id, liveClassTitle: r.liveClass.title })),
        students: students.map((st) => ({
          userId: st.id, name: st.name, email: st.email, externalId: st.externalId,
          recordings: recordings.map((r) => {
            const w = watched.get(`${r.id}|${st.id}`);
            return { recordingId: r.id, watchedPercent: w ? watchedPercent(w.watched_seconds, r.durationSeconds) : 0, timeSpentSeconds: Math.round(w?.time_spent ?? 0) };
          }),
        })),
      };
    },

    /**
     * Per user, what they watched of a live class's ready recordings: the sum of each recording's watched seconds,
     * as a share of their total length (the attendance report shows it next to time present).
     */
    async watchOfClass(liveClassId: string): Promise<Map<string, ClassWatch>> {
      await flush();
      const recordings = await deps.recordings.list({ liveClassId, batchIds: null, statuses: ['ready'], limit: 1000 });
      const totalSeconds = recordings.reduce((sum, r) => sum + (r.durationSeconds ?? 0), 0);
      const byUser = new Map<string, ClassWatch>();
      for (const row of await deps.watch.progressOfRecordings(recordings.map((r) => r.id))) {
        const w = byUser.get(row.user_id) ?? { watchedSeconds: 0, watchedPercent: 0, timeSpentSeconds: 0 };
        w.watchedSeconds += row.watched_seconds;
        w.timeSpentSeconds += row.time_spent;
        byUser.set(row.user_id, w);
      }
      for (const w of byUser.values()) {
        w.watchedPercent = watchedPercent(w.watchedSeconds, totalSeconds);
        w.watchedSeconds = Math.round(w.watchedSeconds * 10) / 10;
        w.timeSpentSeconds = Math.round(w.timeSpentSeconds);
      }
      return byUser;
    },
  };
}

/** Per student, per recording of a batch: what `batchWatchReport` answers and the CSV export writes. */
export type BatchWatchReport = Awaited<ReturnType<ReturnType<typeof createWatchReports>['batchWatchReport']>>;
