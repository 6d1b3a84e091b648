import { unionOfIntervals } from './intervals';

/** Watched time as a sorted list of disjoint [start, end] second ranges, so replays and seeks never count twice. */
export type WatchRange = [number, number];

export function addRange(ranges: readonly WatchRange[], range: WatchRange): WatchRange[] {
  const [a, b] = range[0] <= range[1] ? range : [range[1], range[0]];
  if (b - a <= 0) return ranges.map((r) => [r[0], r[1]]);
  return mergeRanges([...ranges, [a, b]]);
}

export function mergeRanges(ranges: readonly WatchRange[]): WatchRange[] {
  // Ranges that touch within a quarter second are one stretch of watching.
  return unionOfIntervals(ranges.filter((r) => r[1] > r[0]), 0.25);
}

export function coveredSeconds(ranges: readonly WatchRange[]): number {
  return ranges.reduce((sum, [a, b]) => sum + (b - a), 0);
}

export function watchedFraction(ranges: readonly WatchRange[], durationSeconds: number | null): number {
  if (!durationSeconds || durationSeconds <= 0) return 0;
  return Math.min(1, coveredSeconds(ranges) / durationSeconds);
}

/** Views per bucket: how many of the given range lists cover each `bucketSeconds` slice (by at least half of it). */
export function heatmap(rangeLists: readonly (readonly WatchRange[])[], durationSeconds: number, bucketSeconds = 5): number[] {
  const buckets = new Array<number>(Math.max(1, Math.ceil(durationSeconds / bucketSeconds))).fill(0);
  for (const ranges of rangeLists) {
    for (let i = 0; i < buckets.length; i++) {
      const start = i * bucketSeconds;
      const end = Math.min(durationSeconds, start + bucketSeconds);
      let covered = 0;
      for (const [a, b] of ranges) covered += Math.max(0, Math.min(b, end) - Math.max(a, start));
      if (covered >= (end - start) / 2) buckets[i]! += 1;
    }
  }
  return buckets;
}

export interface HeartbeatStep {
  /** Range watched since the previous heartbeat, when the player was playing continuously. */
  watched: WatchRange | null;
  /** Wall seconds counted as time spent. */
  spentSeconds: number;
}

/**
 * Decides what a heartbeat adds. Between two heartbeats of a playing session the position may advance by at most
 * the elapsed wall time at the fastest allowed speed (2×) plus slack; a larger jump is a seek and adds nothing.
 */
export function stepHeartbeat(prev: { position: number; playing: boolean; atMs: number } | null, next: { position: number; playing: boolean; atMs: number }, maxGapSeconds = 30): HeartbeatStep {
  if (!prev || !prev.playing) return { watched: null, spentSeconds: 0 };
  const wall = (next.atMs - prev.atMs) / 1000;
  if (wall <= 0 || wall > maxGapSeconds) return { watched: null, spentSeconds: 0 };
  const advanced = next.position - prev.position;
  if (advanced <= 0 || advanced > wall * 2 + 1.5) return { watched: null, spentSeconds: wall };
  return { watched: [prev.position, next.position], spentSeconds: wall };
}

/** Tolerance for clocks and network jitter when a step's wall time is shared with another session. */
const CREDIT_SLACK_SECONDS = 1;

/**
 * A step limited to `freshSeconds` of wall time no other session of the viewer was credited for. When most of the
 * step's time was already credited elsewhere, its watched range (which that time would have to pay for) is dropped.
 */
export function creditWithin(step: HeartbeatStep, freshSeconds: number): HeartbeatStep {
  if (freshSeconds >= step.spentSeconds) return step;
  const spentSeconds = Math.max(0, freshSeconds);
  if (!step.watched) return { watched: null, spentSeconds };
  const advanced = step.watched[1] - step.watched[0];
  if (advanced <= spentSeconds * 2 + CREDIT_SLACK_SECONDS) return { watched: step.watched, spentSeconds };
  return { watched: null, spentSeconds };
}

/** Share of a recording watched for it to count as watched: the home page's "watched" and analytics' completion. */
export const WATCHED_SHARE = 0.9;

/** Watched seconds as a percentage of a length, to one decimal and at most 100; 0 when the length is unknown. */
export function watchedPercent(watchedSeconds: number, totalSeconds: number | null): number {
  return totalSeconds && totalSeconds > 0 ? Math.min(100, Math.round((watchedSeconds / totalSeconds) * 1000) / 10) : 0;
}
