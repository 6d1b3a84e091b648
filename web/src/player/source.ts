import type { ErrorData, Level } from 'hls.js';
import Hls from 'hls.js/light';
import type { Playback } from '../types';
import { attachHls } from './hls';
import { showStatus, type PlayerView } from './view';

declare global {
  interface Window {
    /** The open player, for automation and debugging: the hls.js instance (null when the browser plays HLS itself) and the video element. */
    aulaPlayer?: { hls: Hls | null; video: HTMLVideoElement };
  }
}

export interface SourceHooks {
  levels(levels: Level[]): void;
  levelSwitched(): void;
  /** Fresh signed URLs arrived; everything else that points at media follows them. */
  newPlayback(playback: Playback): void;
}

export type PlayerSource = ReturnType<typeof createPlayerSource>;

/**
 * Where the video comes from: hls.js, else the browser's own HLS, else the MP4. Recovers from media errors, and
 * from network errors by asking for fresh signed URLs (they expire during a long session).
 */
export function createPlayerSource(view: Pick<PlayerView, 'video' | 'quality' | 'status'>, first: Playback, refreshPlayback: () => Promise<Playback>, hooks: SourceHooks) {
  const { video } = view;
  let playback = first;
  let hls: Hls | null = null;
  let mediaErrorRecoveries = 0;
  let lastRefreshAt = 0;

  function attach(url: string, startAt: number) {
    hls?.destroy();
    hls = attachHls(video, url, startAt, { levels: hooks.levels, levelSwitched: hooks.levelSwitched, error: (instance, data) => void onError(instance, data) });
    window.aulaPlayer = { hls, video };
  }

  async function onError(instance: Hls, data: ErrorData) {
    if (!data.fatal || instance !== hls) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaErrorRecoveries < 2) {
      if (mediaErrorRecoveries++ > 0) instance.swapAudioCodec();
      instance.recoverMediaError();
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && Date.now() - lastRefreshAt > 30_000) {
      // Signed URLs expire; a fresh set continues from where the viewer is.
      lastRefreshAt = Date.now();
      try {
        await refresh();
        return;
      } catch {
        /* falls through to the message */
      }
    }
    showStatus(view, 'This recording cannot be played right now. Reload the page to try again.');
  }

  async function refresh() {
    const wasPlaying = !video.paused;
    const at = video.currentTime;
    playback = await refreshPlayback();
    hooks.newPlayback(playback);
    if (Hls.isSupported()) attach(playback.hls, at);
    else {
      video.src = playback.hls;
      video.addEventListener('loadedmetadata', () => (video.currentTime = at), { once: true });
    }
    if (wasPlaying) video.play().catch(() => undefined);
  }

  /** Plays without hls.js, starting at `startAt` once the browser knows the video. */
  function playNatively(url: string, startAt: number) {
    video.src = url;
    view.quality.disabled = true;
    window.aulaPlayer = { hls: null, video };
    if (startAt > 0) video.addEventListener('loadedmetadata', () => (video.currentTime = startAt), { once: true });
  }

  return {
    hls: () => hls,
    start(startAt: number) {
      if (Hls.isSupported()) attach(playback.hls, startAt);
      else if (video.canPlayType('application/vnd.apple.mpegurl')) playNatively(playback.hls, startAt);
      else if (playback.mp4) playNatively(playback.mp4, startAt);
      else showStatus(view, 'This browser cannot play this recording.');
    },
    /** Plays another playlist (the master one when null) from the current position, keeping the play state. */
    switchTo(url: string | null) {
      const at = video.currentTime;
      const wasPlaying = !video.paused;
      attach(url ?? playback.hls, at);
      if (wasPlaying) video.play().catch(() => undefined);
    },
    destroy() {
      hls?.destroy();
      hls = null;
      video.removeAttribute('src');
      video.load();
      if (window.aulaPlayer?.video === video) delete window.aulaPlayer;
    },
  };
}
