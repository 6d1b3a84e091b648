import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import type { CatalogRepository } from '../adapters/db/catalog-repository';
import type { RecordingRepository } from '../adapters/db/recording-repository';
import type { WatchRepository } from '../adapters/db/watch-repository';
import { createMemoryWatchSessionStore, type LiveWatchSession, type WatchSessionStore } from '../adapters/watch/watch-session-store';
import type { HeartbeatResult, RecordingAnalytics, WatchReport } from '../contracts/api/analytics';
import { AccessDenied, DomainError, NotFound } from '../domain/errors';
import type { Principal } from '../domain/identity';
import { addRange, creditWithin, heatmap, stepHeartbeat, watchedFraction } from '../domain/watch-ranges';
import type { ViewerAccess } from './viewer-access';

export interface Heartbeat {
  sessionId: string;
  position: number;
  playing: boolean;
  event?: 'heartbeat' | 'play' | 'pause' | 'seek' | 'ended' | undefined;
}

const MAX_HEARTBEATS_PER_SESSION = 5_000;

/** One viewer's watching of a class's recordings. */
export interface ClassWatch {
  watchedSeconds: number;
  watchedPercent: number;
  timeSpentSeconds: number;
}
const COMPLETION_THRESHOLD = 0.9;
/** Watching through a share link is recorded under this prefix and the link's id: a guest, not a user. */
export const GUEST_PREFIX = 'share:';

/**
 * Heartbeats update session state in memory and are written in batches (every `flushMs`), so a class of students
 * costs a few transactions a second rather than one write per heartbeat.
 */
export function createWatchAnalytics(deps: {
  watch: WatchRepository;
  recordings: Pick<RecordingRepository, 'getForAccess' | 'list'>;
  catalog: Pick<CatalogRepository, 'listMembers'>;
  access: ViewerAccess;
  clock: Clock;
  logger: Logger;
  /** Where sessions live between heartbeats (memory by default; Redis when several processes serve heartbeats). */
  sessions?: WatchSessionStore;
  flushMs?: number;
  /** Told after each heartbeat of a signed-in viewer is counted (LTI grade passback listens). */
  onWatched?: (userId: string, recordingId: string) => void;
}) {
  const sessions = deps.sessions ?? createMemoryWatchSessionStore(() => deps.clock.now().getTime());
  const recordingInfo = new Map<string, { batchId: string; duration: number | null; status: string; at: number }>();
  let timer: NodeJS.Timeout | null = null;

  async function infoOf(recordingId: string) {
    const hit = recordingInfo.get(recordingId);
    if (hit && Date.now() - hit.at < 5_000) return hit;
    const row = await deps.recordings.getForAccess(recordingId);
    if (!row) return null;
    const info = { batchId: row.batchId, duration: row.durationSeconds, status: row.status, at: Date.now() };
    recordingInfo.set(recordingId, info);
    return info;
  }

  let flushing: Promise<void> = Promise.resolve();
  /** Writes every changed session (of any process, when the store is shared) and the totals they change. */
  function flush(): Promise<void> {
    flushing = flushing.then(flushNow, flushNow);
    return flushing;
  }
  async function flushNow(): Promise<void> {
    timer = null;
    for (;;) {
      let batch: LiveWatchSession[] = [];
      try {
        batch = await sessions.takeChanged(500);
        if (batch.length === 0) return;
        for (const s of batch) if (!recordingInfo.has(s.recordingId)) await infoOf(s.recordingId);
        await deps.watch.saveSessions(batch, (id) => recordingInfo.get(id)?.duration ?? null, isoNow(deps.clock));
      } catch (err) {
        deps.logger.error({ err, sessions: batch.length }, 'saving watch progress failed; will retry');
        await sessions.markChanged(batch.map((b) => b.id)).catch(() => undefined);
        return;
      }
    }
  }
  // Sessions changed by a process that stopped before writing them are written by the others.
  const sweep = setInterval(() => void flush().catch(() => undefined), 5_000);
  sweep.unref();

  async function assertStaffView(viewer: Principal, recordingId: string) {
    const info = await infoOf(recordingId);
    if (!info) throw new NotFound('Recording', recordingId);
    if (viewer.role === 'student') throw new AccessDenied('Only instructors and admins see analytics');
    await deps.access.assertCanManage(viewer, info.batchId);
    return info;
  }

  async function recordHeartbeat(userId: string, recordingId: string, info: { duration: number | null }, hb: Heartbeat): Promise<HeartbeatResult> {
    if (info.duration !== null && hb.position > info.duration + 1) {
      throw new DomainError('unprocessable', `Position ${hb.position}s is past the end of the recording (${info.duration.toFixed(1)}s)`);
    }
    const nowMs = deps.clock.now().getTime();
    let s = await sessions.get(hb.sessionId);
    if (!s) {
      const stored = await deps.watch.getSession(hb.sessionId);
      if (stored && (stored.userId !== userId || stored.recordingId !== recordingId)) throw new AccessDenied('This playback session belongs to someone else');
      s = stored
        ? { ...stored, lastAtMs: Date.parse(stored.lastSeenAt), playing: false }
        : { id: hb.sessionId, recordingId, userId, startedAt: isoNow(deps.clock), lastSeenAt: isoNow(deps.clock), lastPosition: hb.position, timeSpent: 0, ranges: [], heartbeats: 0, lastAtMs: nowMs, playing: false };
    } else if (s.userId !== userId || s.recordingId !== recordingId) {
      throw new AccessDenied('This playback session belongs to someone else');
    }
    if (s.heartbeats >= MAX_HEARTBEATS_PER_SESSION) throw new DomainError('unprocessable', 'This playback session has sent too many heartbeats; start a new one');
    let step = stepHeartbeat({ position: s.lastPosition, playing: s.playing, atMs: s.lastAtMs }, { position: hb.position, playing: hb.playing, atMs: nowMs });
    if (step.spentSeconds > 0) {
      // Wall time already credited to another of this viewer's sessions is not credited twice, and neither is
      // the watching it would pay for: parallel sessions cannot add up to more than the clock.
      const freshMs = await sessions.claimWallTime(userId, s.lastAtMs, nowMs);
      step = creditWithin(step, freshMs / 1000);
    }
    if (step.watched) s.ranges = addRange(s.ranges, step.watched);
    s.timeSpent += step.spentSeconds;
    s.lastPosition = hb.position;
    s.playing = hb.playing && hb.event !== 'pause' && hb.event !== 'ended';
    s.lastAtMs = nowMs;
    s.lastSeenAt = isoNow(deps.clock);
    s.heartbeats += 1;
    await sessions.put(s);
    if (hb.event === 'ended' || hb.event === 'pause') await flush();
    else timer ??= setTimeout(() => void flush(), deps.flushMs ?? 1_000);
    deps.onWatched?.(userId, recordingId);
    return { watchedSeconds: s.ranges.reduce((sum, [a, b]) => sum + b - a, 0), watchedPercent: Math.round(watchedFraction(s.ranges, info.duration) * 1000) / 10 };
  }

  return {
    async heartbeat(viewer: Principal, recordingId: string, hb: Heartbeat) {
      if (viewer.kind !== 'user') throw new DomainError('bad_request', 'Heartbeats come from a signed-in viewer, not an API key');
      const info = await infoOf(recordingId);
      if (!info || info.status !== 'ready') throw new NotFound('Recording', recordingId);
      await deps.access.assertCanView(viewer, info.batchId, 'the batch of this recording');
      return recordHeartbeat(viewer.userId, recordingId, info, hb);
    },

    /** A guest watching through a share link (checked by the caller): counted under the link as `share:{id}`. */
    async guestHeartbeat(shareLinkId: string, recordingId: string, hb: Heartbeat) {
      const info = await infoOf(recordingId);
      if (!info || info.status !== 'ready') throw new NotFound('Recording', recordingId);
      return recordHeartbeat(`${GUEST_PREFIX}${shareLinkId}`, recordingId, info, hb);
    },

    /** "Continue where you left off" and watched percentage for one viewer. */
    async progressFor(viewer: Principal, items: { id: string; durationSeconds: number | null }[]) {
      if (viewer.kind !== 'user' || items.length === 0) return new Map<string, { lastPosition: number; watchedPercent: number }>();
      await flush();
      const rows = await deps.watch.progressFor(viewer.userId, items.map((i) => i.id));
      const duration = new Map(items.map((i) => [i.id, i.durationSeconds]));
      return new Map(rows.map((r) => {
        const d = duration.get(r.recording_id) ?? null;
        return [r.recording_id, { lastPosition: r.last_position, watchedPercent: d ? Math.min(100, Math.round((r.watched_seconds / d) * 1000) / 10) : 0 }];
      }));
    },

    async recordingAnalytics(viewer: Principal, recordingId: string, bucketSeconds = 5): Promise<RecordingAnalytics> {
      const info = await assertStaffView(viewer, recordingId);
      await flush();
      const [sessionRows, progress] = await Promise.all([deps.watch.sessionsOf(recordingId), deps.watch.progressOfRecording(recordingId)]);
      const duration = info.duration ?? 0;
      const viewers = progress.length;
      const completed = progress.filter((p) => duration > 0 && p.watched_seconds / duration >= COMPLETION_THRESHOLD).length;
      return {
        recordingId,
        durationSeconds: info.duration,
        views: sessionRows.filter((s) => s.ranges.length > 0).length,
        uniqueViewers: viewers,
        guestViewers: progress.filter((p) => p.user_id.startsWith(GUEST_PREFIX)).length,
        totalWatchSeconds: Math.round(sessionRows.reduce((sum, s) => sum + s.timeSpent, 0) * 10) / 10,
        completionRate: viewers ? Math.round((completed / viewers) * 1000) / 1000 : 0,
        heatmap: { bucketSeconds, views: heatmap(sessionRows.map((s) => s.ranges), duration, bucketSeconds) },
        viewers: progress.map((p) => ({ userId: p.user_id, guest: p.user_id.startsWith(GUEST_PREFIX), watchedSeconds: p.watched_seconds, watchedPercent: duration ? Math.min(100, Math.round((p.watched_seconds / duration) * 1000) / 10) : 0, timeSpentSeconds: Math.round(p.time_spent), sessions: p.sessions })),
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
            const pct = w && r.durationSeconds ? Math.min(100, Math.round((w.watched_seconds / r.durationSeconds) * 1000) / 10) : 0;
            return { recordingId: r.id, watchedPercent: pct, timeSpentSeconds: Math.round(w?.time_spent ?? 0) };
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
        w.watchedPercent = totalSeconds > 0 ? Math.min(100, Math.round((w.watchedSeconds / totalSeconds) * 1000) / 10) : 0;
        w.watchedSeconds = Math.round(w.watchedSeconds * 10) / 10;
        w.timeSpentSeconds = Math.round(w.timeSpentSeconds);
      }
      return byUser;
    },

    flush,
    async close() {
      if (timer) clearTimeout(timer);
      clearInterval(sweep);
      await flush();
      await sessions.close();
    },
  };
}

export type WatchAnalytics = ReturnType<typeof createWatchAnalytics>;

/** CSV with one row per student and one column per recording; fields quoted as RFC 4180 asks. */
export function watchReportCsv(report: Awaited<ReturnType<WatchAnalytics['batchWatchReport']>>): string {
  const q = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    // A leading = + - @ would run as a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const header = ['student', 'email', 'external_id', ...uniqueHeaders(report.recordings.map((r) => `${recordingColumnName(r, report.recordings)} (% watched)`))];
  const lines = [header.map(q).join(',')];
  for (const s of report.students) lines.push([s.name, s.email, s.externalId, ...s.recordings.map((r) => r.watchedPercent)].map(q).join(','));
  return lines.join('\r\n') + '\r\n';
}

type ReportRecording = Awaited<ReturnType<WatchAnalytics['batchWatchReport']>>['recordings'][number];

/** "Week 2 lecture · part 2 · 2026-03-01 19:57 UTC": the class, the part when it has several, the start in UTC. */
export function recordingColumnName(r: ReportRecording, all: readonly ReportRecording[]): string {
  const siblings = all.filter((x) => x.liveClassId === r.liveClassId).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const part = siblings.length > 1 ? ` · part ${siblings.indexOf(r) + 1}` : '';
  const name = r.title && r.title !== r.liveClassTitle ? `${r.liveClassTitle}: ${r.title}` : r.liveClassTitle;
  return `${name}${part} · ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Spreadsheets key columns by header: a repeated one gets " (2)", " (3)", … */
export function uniqueHeaders(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n} (${count})`;
  });
}
