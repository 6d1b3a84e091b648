import { describe, expect, it } from 'vitest';
import { FramesSinceKeyframe } from '../src/domain/media/frames-since-keyframe';

const frame = (n: number, bytes = 10) => ({ n, data: Buffer.alloc(bytes) });

describe('the frames since a keyframe', () => {
  it('start at a keyframe, follow it with every delta frame, and start again at the next keyframe', () => {
    const run = new FramesSinceKeyframe<ReturnType<typeof frame>>();
    expect(run.add(frame(1), false)).toBe(false);
    expect(run.current()).toBeNull();
    run.add(frame(2), true);
    run.add(frame(3), false);
    run.add(frame(4), false);
    expect(run.current()?.map((f) => f.n)).toEqual([2, 3, 4]);
    run.add(frame(5), true);
    expect(run.current()?.map((f) => f.n)).toEqual([5]);
    run.clear();
    run.add(frame(6), false);
    expect(run.current()).toBeNull();
  });

  it('ask for a keyframe once at 600 frames (the keyframe counted) and give the run up past 1,500 frames or 48 MiB', () => {
    const run = new FramesSinceKeyframe<ReturnType<typeof frame>>();
    run.add(frame(0), true);
    const asks: number[] = [];
    for (let n = 1; n < 1_500; n++) if (run.add(frame(n), false)) asks.push(n);
    expect(asks).toEqual([599]);
    expect(run.current()).toHaveLength(1_500);
    run.add(frame(1_500), false);
    expect(run.current()).toBeNull();

    const big = new FramesSinceKeyframe<ReturnType<typeof frame>>();
    big.add(frame(0, 40 * 1024 * 1024), true);
    big.add(frame(1, 7 * 1024 * 1024), false);
    expect(big.current()).toHaveLength(2);
    big.add(frame(2, 2 * 1024 * 1024), false);
    expect(big.current()).toBeNull();
  });
});
