import { describe, expect, it } from 'vitest';
import { unionOfIntervals } from '../src/domain/intervals';
import { addRange, coveredSeconds, heatmap, mergeRanges, stepHeartbeat, watchedFraction } from '../src/domain/watch-ranges';

describe('watched ranges', () => {
  it('a union of intervals joins those that overlap, touch or lie within the gap asked for, in order, and keeps the others apart', () => {
    const input: Array<[number, number]> = [[50, 60], [0, 10], [10, 12], [5, 8], [12.2, 20], [40, 40]];
    expect(unionOfIntervals(input)).toEqual([[0, 12], [12.2, 20], [40, 40], [50, 60]]);
    expect(unionOfIntervals(input, 0.25)).toEqual([[0, 20], [40, 40], [50, 60]]);
    expect(input[0]).toEqual([50, 60]);
  });

  it('keeps the union so replays are not counted twice', () => {
    let r = addRange([], [0, 10]);
    r = addRange(r, [5, 15]);
    r = addRange(r, [0, 10]);
    expect(r).toEqual([[0, 15]]);
    r = addRange(r, [30, 40]);
    expect(r).toEqual([[0, 15], [30, 40]]);
    expect(coveredSeconds(r)).toBe(25);
    expect(addRange(r, [14, 31])).toEqual([[0, 40]]);
  });

  it('ignores empty and reversed ranges safely', () => {
    expect(mergeRanges([[5, 5], [3, 1]])).toEqual([]);
    expect(addRange([], [10, 4])).toEqual([[4, 10]]);
  });

  it('reports a fraction bounded by the duration', () => {
    expect(watchedFraction([[0, 30]], 60)).toBe(0.5);
    expect(watchedFraction([[0, 90]], 60)).toBe(1);
    expect(watchedFraction([[0, 10]], null)).toBe(0);
  });

  it('counts views per 5-second bucket', () => {
    expect(heatmap([[[0, 10]], [[5, 20]]], 20, 5)).toEqual([1, 2, 1, 1]);
    expect(heatmap([], 12, 5)).toEqual([0, 0, 0]);
  });
});

describe('heartbeat steps', () => {
  it('adds the stretch played between two heartbeats', () => {
    expect(stepHeartbeat({ position: 10, playing: true, atMs: 0 }, { position: 20, playing: true, atMs: 10_000 })).toEqual({ watched: [10, 20], spentSeconds: 10 });
  });
  it('accepts double speed but treats a bigger jump as a seek', () => {
    expect(stepHeartbeat({ position: 0, playing: true, atMs: 0 }, { position: 20, playing: true, atMs: 10_000 }).watched).toEqual([0, 20]);
    expect(stepHeartbeat({ position: 0, playing: true, atMs: 0 }, { position: 200, playing: true, atMs: 10_000 }).watched).toBeNull();
  });
  it('adds nothing after a pause or a long silence', () => {
    expect(stepHeartbeat({ position: 0, playing: false, atMs: 0 }, { position: 10, playing: true, atMs: 10_000 })).toEqual({ watched: null, spentSeconds: 0 });
    expect(stepHeartbeat({ position: 0, playing: true, atMs: 0 }, { position: 10, playing: true, atMs: 120_000 })).toEqual({ watched: null, spentSeconds: 0 });
  });
});
