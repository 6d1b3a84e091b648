import { clamp } from '../format';
import type { PlayerOptions } from './options';
import type { PlayerView } from './view';

/** What the player's parts share: its elements, the options it was opened with and one list of things to undo. */
export interface PlayerContext {
  view: PlayerView;
  opts: PlayerOptions;
  /** Listens on the video until the player is destroyed. */
  listen<K extends keyof HTMLVideoElementEventMap>(type: K, fn: (e: HTMLVideoElementEventMap[K]) => void): void;
  /** Runs when the player is destroyed. */
  onDestroy(fn: () => void): void;
  /** The video's length, or the recording's known length until the video knows its own. */
  duration(): number;
  /** Moves the video to `seconds`, kept within the recording. */
  seekTo(seconds: number): void;
}

export function createPlayerContext(view: PlayerView, opts: PlayerOptions): PlayerContext & { destroy(): void } {
  const cleanups: (() => void)[] = [];
  const { video } = view;
  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : opts.durationHint ?? 0);
  return {
    view,
    opts,
    listen(type, fn) {
      video.addEventListener(type, fn);
      cleanups.push(() => video.removeEventListener(type, fn));
    },
    onDestroy: (fn) => cleanups.push(fn),
    duration,
    seekTo: (seconds) => (video.currentTime = clamp(seconds, 0, duration())),
    destroy() {
      for (const fn of cleanups) fn();
    },
  };
}
