import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegRunner } from '../src/adapters/media/ffmpeg-process';
import { ivfFile, ivfFrames, StillFrames, vp8KeyframeSize } from '../src/services/live/recorder/still-frames';
import { waitFor } from './support/wait';

const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-still-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** MD5 of each picture FFmpeg's decoder makes of an IVF file. */
async function pictureSums(frames: Buffer[], width: number, height: number): Promise<string[]> {
  const file = path.join(dir, `check-${Date.now()}.ivf`);
  writeFileSync(file, ivfFile(width, height, frames));
  const { stdout } = await ffmpegRunner.run(['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'framemd5', '-']);
  return stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
}

describe('"nothing changed" VP8 frames for a held picture', () => {
  it('keep whatever picture a moving VP8 stream last showed, bit for bit, at a size of its own', async () => {
    const [width, height] = [640, 360];
    const source = path.join(dir, 'moving.ivf');
    await ffmpegRunner.run(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=25`, '-frames:v', '3',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-lag-in-frames', '0', '-auto-alt-ref', '0', '-b:v', '1M', '-f', 'ivf', source]);
    const frames = ivfFrames(readFileSync(source));
    expect(frames).toHaveLength(3);
    expect(vp8KeyframeSize(frames[0]!)).toEqual({ width, height });
    expect(vp8KeyframeSize(frames[2]!)).toBeNull();

    const stills = new StillFrames(ffmpegRunner, (err) => {
      throw err;
    });
    expect(stills.get(width, height)).toBeNull(); // made in the background; asked for again below
    const still = await waitFor('the still frame', () => stills.get(width, height), 30_000);
    const sums = await pictureSums([...frames, still, still, still], width, height);
    expect(sums).toHaveLength(6);
    // The stream moves, and the still frames hold its last picture, not its keyframe's.
    expect(sums[2]).not.toBe(sums[0]);
    expect(sums.slice(3)).toEqual([sums[2], sums[2], sums[2]]);
  });
});
