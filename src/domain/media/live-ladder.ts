/**
 * The ladder made while a class is live: how fast the follower of the live encoder must be to keep up, which
 * thumbnails each segment gives, and which of them the sprite sheet takes at the end (the pipeline's spacing).
 */
import type { SpritePlan } from './ladder';

/** `full`: every rung, images and download made while live; `top`: only the top rung live, the rest afterwards. */
export type LiveLadderMode = 'full' | 'top';
export const LIVE_LADDER_MODES = ['full', 'top'] as const;

/**
 * How far behind the class the follower may fall (seconds from a top-rung segment's end to its lower rungs' being
 * made) before it gives up. A busy moment is caught up afterwards; a machine slower than real time falls further
 * behind with every segment and reaches this. What is still owed when the class ends is made then, before the
 * recording is ready, at normal priority and two segments at a time: four segments of two seconds keep that wait
 * within about two seconds on two cores.
 */
export const LIVE_LADDER_MAX_LAG_SECONDS = 8;
/** Segments the rolling speed (a metric, and part of the reason when the follower stops) is measured over. */
export const LIVE_LADDER_SPEED_WINDOW = 5;
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
