/**
 * The ladder made while a class is live: how fast the follower of the live encoder must be to keep up, which
 * thumbnails each segment gives, and which of them the sprite sheet takes at the end (the pipeline's spacing).
 */
import type { SpritePlan } from './ladder';

/** `full`: every rung, images and download made while live; `top`: only the top rung live, the rest afterwards. */
export type LiveLadderMode = 'full' | 'top';
export const LIVE_LADDER_MODES = ['full', 'top'] as const;

/** Below this speed (media seconds per wall second) the follower cannot be trusted to keep up with the class. */
export const LIVE_LADDER_MIN_SPEED = 1.1;
/** Segments the rolling speed is measured over. */
export const LIVE_LADDER_SPEED_WINDOW = 5;
/** Segments measured before the speed is judged: the first run also pays for the plan and the probes. */
export const LIVE_LADDER_SPEED_MIN_SAMPLES = 2;
/** CPU priority of the follower's runs: the live encoder always comes first. */
export const LIVE_LADDER_NICENESS = 10;

/** Rolling realtime factor over the last few segments. */
export class RealtimeMeter {
  private readonly samples: Array<{ media: number; wall: number }> = [];

  constructor(private readonly window = LIVE_LADDER_SPEED_WINDOW) {}

  add(mediaSeconds: number, wallSeconds: number): void {
    this.samples.push({ media: mediaSeconds, wall: Math.max(wallSeconds, 0.001) });
    if (this.samples.length > this.window) this.samples.shift();
  }

  /** Media seconds per wall second over the window; null before there is anything to judge. */
  speed(): number | null {
    if (this.samples.length === 0) return null;
    const media = this.samples.reduce((s, x) => s + x.media, 0);
    const wall = this.samples.reduce((s, x) => s + x.wall, 0);
    return media / wall;
  }

  /** Whether the follower is measurably slower than the class it follows. */
  tooSlow(min = LIVE_LADDER_MIN_SPEED, minSamples = LIVE_LADDER_SPEED_MIN_SAMPLES): boolean {
    const speed = this.speed();
    return this.samples.length >= minSamples && speed !== null && speed < min;
  }
}

/**
 * Thumbnails are taken live at every whole second of the recording: whatever the final duration, the pipeline's
 * spacing (a whole number of seconds) picks a subset of them. Returns the seconds that fall in a segment.
 */
export function thumbnailSecondsIn(startSeconds: number, durationSeconds: number): { first: number; count: number } {
  const first = Math.max(0, Math.ceil(startSeconds - 1e-6));
  const end = startSeconds + durationSeconds;
  const count = Math.max(0, Math.ceil(end - 1e-6) - first);
  return { first, count };
}

/** The recording seconds whose thumbnails make up the sprite sheet, in tile order. */
export function spriteSeconds(plan: Pick<SpritePlan, 'intervalSeconds' | 'count'>): number[] {
  return Array.from({ length: plan.count }, (_, i) => i * plan.intervalSeconds);
}
