/** A stretch [start, end] on one axis: seconds of a recording, or milliseconds of wall-clock time. */
export type Interval = [number, number];

/**
 * The union of intervals as sorted, disjoint ones. Intervals that overlap, touch, or lie less than `joinGap`
 * apart become one, so time counted over them is never counted twice.
 */
export function unionOfIntervals(intervals: readonly (readonly [number, number])[], joinGap = 0): Interval[] {
  const sorted = intervals.map((r): Interval => [r[0], r[1]]).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r[0] <= last[1] + joinGap) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}
