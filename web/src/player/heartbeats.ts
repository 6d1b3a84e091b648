import { api, getToken } from '../api';
import { clamp } from '../format';
import type { HeartbeatResult } from '../types';
import type { PlayerContext } from './context';

const HEARTBEAT_MS = 10_000;

type WatchEvent = 'heartbeat' | 'play' | 'pause' | 'seek' | 'ended';

/** A uuid-shaped random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newSessionId(): string {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Watch heartbeats: what the viewer plays, pauses and skips, reported in order so the server can measure what was
 * watched between consecutive reports. Returns what ends them when the player closes.
 */
export function installHeartbeats(ctx: PlayerContext, startPosition: number): { stop(): void } {
  const { video } = ctx.view;
  const sessionId = newSessionId();
  const progressPath = ctx.opts.progressPath ?? `/api/v1/recordings/${encodeURIComponent(ctx.opts.recordingId)}/progress`;
  let started = false;
  let reportedPlaying = false;
  let lastPosition = startPosition;
  let timer: ReturnType<typeof setInterval> | null = null;
  let queue: Promise<void> = Promise.resolve();

  const position = (t = video.currentTime) => Math.round(clamp(t, 0, ctx.duration() || t) * 10) / 10;
  const body = (pos: number, playing: boolean, event: WatchEvent) => ({ sessionId, position: pos, playing, event });

  function send(pos: number, playing: boolean, event: WatchEvent) {
    reportedPlaying = playing;
    // One at a time and in order: the server measures what was watched between consecutive heartbeats.
    queue = queue
      .then(() => api<HeartbeatResult>('POST', progressPath, body(pos, playing, event)))
      .then((r) => ctx.opts.onProgress?.(r, pos))
      .catch(() => undefined);
  }

  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  ctx.listen('timeupdate', () => {
    if (!video.seeking) lastPosition = video.currentTime;
  });
  // 'playing' rather than 'play': only then is currentTime where playback really starts (after a resume or a stall).
  ctx.listen('playing', () => {
    started = true;
    send(position(), true, 'play');
    stopTimer();
    timer = setInterval(() => {
      if (!video.paused && !video.seeking) send(position(), true, 'heartbeat');
    }, HEARTBEAT_MS);
  });
  ctx.listen('pause', () => {
    stopTimer();
    if (started && !video.ended) send(position(), false, 'pause');
  });
  ctx.listen('ended', () => {
    stopTimer();
    if (started) send(position(ctx.duration()), false, 'ended');
  });
  let seekFrom: number | null = null;
  ctx.listen('seeking', () => {
    seekFrom ??= lastPosition;
  });
  ctx.listen('seeked', () => {
    const from = seekFrom ?? lastPosition;
    seekFrom = null;
    lastPosition = video.currentTime;
    // The player's own small nudges (over a gap, onto a keyframe) are not the viewer's seeks.
    if (!started || Math.abs(video.currentTime - from) < 1) return;
    // Close the watched stretch where the viewer left it, so the jump itself does not count as watched.
    if (reportedPlaying) send(position(from), false, 'seek');
    send(position(), !video.paused, 'seek');
  });

  const onPageHide = () => {
    if (!reportedPlaying) return;
    reportedPlaying = false;
    const token = getToken();
    void fetch(progressPath, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body(position(), false, 'pause')),
    }).catch(() => undefined);
  };
  window.addEventListener('pagehide', onPageHide);
  ctx.onDestroy(() => window.removeEventListener('pagehide', onPageHide));

  return {
    stop() {
      stopTimer();
      if (reportedPlaying) send(position(), false, 'pause');
    },
  };
}
