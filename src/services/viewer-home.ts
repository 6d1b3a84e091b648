import { type Clock, isoNow } from '../adapters/clock';
import type { HomeRecordingRow, HomeRepository } from '../adapters/db/home-repository';
import type { HomeClass, HomeRecording, ViewerHome } from '../contracts/api/viewer-home';
import type { Principal } from '../domain/identity';
import { type ClassPhase, classPhase } from '../domain/live-class-rules';
import { WATCHED_SHARE, watchedPercent } from '../domain/watch-ranges';
import type { PlaybackService } from './playback';
import type { RecordingParts } from './recording-parts';
import type { ViewerAccess } from './viewer-access';
import type { WatchAnalytics } from './watch-analytics';

/** Visits closer together than this are one visit, so "new since your last visit" survives a reload. */
const VISIT_GAP_MS = 30 * 60_000;
/** Without an earlier visit, "new" means the last two weeks. */
const FIRST_VISIT_WINDOW_MS = 14 * 24 * 3_600_000;
const CONTINUE_LIMIT = 8;
const NEW_LIMIT = 12;
const CLASS_LIMIT = 12;

export type { HomeClass, HomeRecording, ViewerHome };

/** The student's (or instructor's) start page: what to continue, what is on, what is new, what is watched. */
export function createViewerHome(deps: {
  home: HomeRepository;
  access: Pick<ViewerAccess, 'batchScope'>;
  playback: Pick<PlaybackService, 'posterUrl'>;
  analytics: Pick<WatchAnalytics, 'flush'>;
  parts: RecordingParts;
  clock: Clock;
}) {
  return {
    async forViewer(viewer: Principal): Promise<ViewerHome> {
      const userId = viewer.kind === 'user' ? viewer.userId : null;
      const now = deps.clock.now();
      // Heartbeats are written in batches; the resume points shown here include the latest.
      const [scope] = await Promise.all([deps.access.batchScope(viewer), deps.analytics.flush()]);
      const visit = userId ? await deps.home.recordVisit(userId, isoNow(deps.clock), VISIT_GAP_MS) : { previousVisitAt: null };
      const since = visit.previousVisitAt ?? new Date(now.getTime() - FIRST_VISIT_WINDOW_MS).toISOString();
      const [inProgress, fresh, classes, lessons] = await Promise.all([
        userId ? deps.home.inProgressFor(userId, scope, CONTINUE_LIMIT) : Promise.resolve([]),
        deps.home.readySince(scope, since, NEW_LIMIT),
        deps.home.liveAndScheduled(scope, new Date(now.getTime() - 24 * 3_600_000).toISOString(), CLASS_LIMIT * 2),
        deps.home.lessonCounts(userId, scope, WATCHED_SHARE),
      ]);
      const unfinished = inProgress
        .filter((p) => p.lastPosition > 5 && (p.durationSeconds === null || (p.lastPosition < p.durationSeconds - 10 && p.watchedSeconds < p.durationSeconds * 0.95)))
        .slice(0, CONTINUE_LIMIT);
      const parts = await deps.parts([...unfinished, ...fresh].map((r) => ({ id: r.id, liveClassId: r.liveClass.id })));
      const present = (r: HomeRecordingRow): HomeRecording => ({
        id: r.id, title: r.title, startedAt: r.startedAt, durationSeconds: r.durationSeconds, posterUrl: deps.playback.posterUrl(viewer, r.id, r.media),
        part: parts.get(r.id) ?? null, liveClass: r.liveClass,
      });
      return {
        continueWatching: unfinished.map((p) => ({
          ...present(p), lastPosition: p.lastPosition,
          watchedPercent: watchedPercent(p.watchedSeconds, p.durationSeconds),
        })),
        classes: classes.flatMap((c): HomeClass[] => {
          const phase = classPhase(c, now);
          if (phase !== 'live' && phase !== 'upcoming' && phase !== 'due') return [];
          return [{ id: c.id, title: c.title, batchId: c.batchId, lessonId: c.lessonId, provider: c.provider, phase, startsAt: c.startsAt, durationMinutes: c.durationMinutes,
            joinPath: phase === 'live' && c.provider === 'native' ? `/live/${encodeURIComponent(c.id)}` : null }];
        }).slice(0, CLASS_LIMIT),
        newRecordings: fresh.map(present),
        since: visit.previousVisitAt,
        lessons,
        watchedShare: WATCHED_SHARE,
      };
    },
  };
}

export type ViewerHomeService = ReturnType<typeof createViewerHome>;
