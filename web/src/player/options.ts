import type { HeartbeatResult, Playback } from '../types';

export interface PlayerOptions {
  recordingId: string;
  title: string;
  subtitle?: string;
  playback: Playback;
  /** Where to resume, in seconds; null or small values start at the beginning. */
  resumeAt: number | null;
  /** A moment the link asked for (a search match, a shared time): honoured exactly, unlike a resume point. */
  startAt?: number | null;
  durationHint: number | null;
  analyticsHref?: string | null;
  /** Issues fresh signed URLs when the old ones expire during a long session. */
  refreshPlayback(): Promise<Playback>;
  onProgress?(result: HeartbeatResult, position: number): void;
  /** Where heartbeats go; a guest's player posts to its share link instead of the recording. */
  progressPath?: string;
}

export interface PlayerHandle {
  element: HTMLElement;
  video: HTMLVideoElement;
  play(): void;
  /** Moves keyboard focus to the player, so its shortcuts work at once. */
  focus(): void;
  destroy(): void;
}

export const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;
