import { isoNow } from '../../adapters/clock';
import type { LiveWatchSession } from '../../adapters/watch/watch-session-store';
import { AccessDenied, DomainError, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { addRange, coveredSeconds, creditWithin, stepHeartbeat, watchedFraction } from '../../domain/watch-ranges';
import type { RecordingInfo } from './recording-info';
import type { SessionWriter } from './session-writer';
import { GUEST_PREFIX, type Heartbeat, type WatchAnalyticsDeps } from './types';
import type { HeartbeatResult } from '../../contracts/api/analytics';

const MAX_HEARTBEATS_PER_SESSION = 5_000;

/** The players' heartbeats: each one measured against the one before and counted once, however many sessions run. */
export function createHeartbeats(deps: Pick<WatchAnalyticsDeps, 'watch' | 'sessions' | 'access' | 'clock' | 'onWatched'>, info: RecordingInfo, writer: SessionWriter) {
  const { sessions } = deps;

  /** The viewer's session as the last heartbeat left it: from the store, the database, or new. */
  async function sessionOf(userId: string, recordingId: string, hb: Heartbeat, nowMs: number): Promise<LiveWatchSession> {
    const live = await sessions.get(hb.sessionId);
    if (live) {
      if (live.userId !== userId || live.recordingId !== recordingId) throw new AccessDenied('This playback session belongs to someone else');
      return live;
    }
    const stored = await deps.watch.getSession(hb.sessionId);
    if (stored && (stored.userId !== userId || stored.recordingId !== recordingId)) throw new AccessDenied('This playback session belongs to someone else');
    return stored
      ? { ...stored, lastAtMs: Date.parse(stored.lastSeenAt), playing: false }
      : { id: hb.sessionId, recordingId, userId, startedAt: isoNow(deps.clock), lastSeenAt: isoNow(deps.clock), lastPosition: hb.position, timeSpent: 0, ranges: [], heartbeats: 0, lastAtMs: nowMs, playing: false };
  }

  async function recordHeartbeat(userId: string, recordingId: string, recording: { duration: number | null }, hb: Heartbeat): Promise<HeartbeatResult> {
    if (recording.duration !== null && hb.position > recording.duration + 1) {
      throw new DomainError('unprocessable', `Position ${hb.position}s is past the end of the recording (${recording.duration.toFixed(1)}s)`);
    }
    const nowMs = deps.clock.now().getTime();
    const s = await sessionOf(userId, recordingId, hb, nowMs);
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
    if (hb.event === 'ended' || hb.event === 'pause') await writer.flush();
    else writer.scheduleFlush();
    deps.onWatched?.(userId, recordingId);
    return { watchedSeconds: coveredSeconds(s.ranges), watchedPercent: Math.round(watchedFraction(s.ranges, recording.duration) * 1000) / 10 };
  }

  return {
    async heartbeat(viewer: Principal, recordingId: string, hb: Heartbeat) {
      if (viewer.kind !== 'user') throw new DomainError('bad_request', 'Heartbeats come from a signed-in viewer, not an API key');
      const recording = await info.infoOf(recordingId);
      if (!recording || recording.status !== 'ready') throw new NotFound('Recording', recordingId);
      await deps.access.assertCanView(viewer, recording.batchId, 'the batch of this recording');
      return recordHeartbeat(viewer.userId, recordingId, recording, hb);
    },

    /** A guest watching through a share link (checked by the caller): counted under the link as `share:{id}`. */
    async guestHeartbeat(shareLinkId: string, recordingId: string, hb: Heartbeat) {
      const recording = await info.infoOf(recordingId);
      if (!recording || recording.status !== 'ready') throw new NotFound('Recording', recordingId);
      return recordHeartbeat(`${GUEST_PREFIX}${shareLinkId}`, recordingId, recording, hb);
    },
  };
}
