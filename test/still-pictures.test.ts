import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegRunner } from '../src/adapters/media/ffmpeg-process';
import { ivfFile, ivfFrames, vp8KeyframeSize } from '../src/domain/media/ivf';
import { StillPictures } from '../src/services/live/recorder/still-pictures';

const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-still-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const [width, height] = [640, 360];

/** SSIM (all planes) of picture `a` of IVF file `fileA` against picture `b` of `fileB`, by FFmpeg's `ssim` filter. */
async function ssim(fileA: string, a: number, fileB: string, b: number): Promise<number> {
  const { stderrTail } = await ffmpegRunner.run(['-hide_banner', '-nostdin', '-i', fileA, '-i', fileB, '-filter_complex',
    `[0:v]select=eq(n\\,${a}),setpts=0[a];[1:v]select=eq(n\\,${b}),setpts=0[b];[a][b]ssim`, '-fps_mode', 'passthrough', '-f', 'null', '-']);
  const all = /All:([\d.]+)/.exec(stderrTail);
  if (!all) throw new Error(`no SSIM in ${stderrTail.slice(-500)}`);
  return Number(all[1]);
}

describe('a still of a held picture', () => {
  it('is a keyframe of the picture a moving VP8 stream last showed, not of its last keyframe, even 120 frames on', async () => {
    // Encoded the way a browser's real-time VP8 encoder works: one keyframe, then delta frames against a decoder
    // state that moves on from frame to frame.
    const stream = path.join(dir, 'moving.ivf');
    await ffmpegRunner.run(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=25`, '-frames:v', '120',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0', '-error-resilient', '1',
      '-g', '1000', '-b:v', '800k', '-f', 'ivf', stream]);
    const frames = ivfFrames(readFileSync(stream));
    expect(frames).toHaveLength(120);
    expect(vp8KeyframeSize(frames[0]!)).toEqual({ width, height });
    expect(frames.slice(1).every((f) => vp8KeyframeSize(f) === null)).toBe(true);

    const failures: unknown[] = [];
    const stills = new StillPictures(ffmpegRunner, (err) => failures.push(err));
    const still = await stills.make(frames);
    expect(failures).toEqual([]);
    expect(still).not.toBeNull();
    expect(vp8KeyframeSize(still!)).toEqual({ width, height });
    console.log(`still of a ${width}x${height} picture: ${still!.length} bytes`);

    // Held three times after the stream, it shows the stream's last picture, and it does each time.
    const held = path.join(dir, 'held.ivf');
    writeFileSync(held, ivfFile(width, height, [still!, still!, still!]));
    const last = await ssim(held, 0, stream, 119);
    const keyframe = await ssim(held, 0, stream, 0);
    const again = await ssim(held, 2, stream, 119);
    console.log(`still against the last picture: SSIM ${last.toFixed(4)}; against the keyframe: ${keyframe.toFixed(4)}`);
    expect(last).toBeGreaterThan(0.97);
    expect(again).toBe(last);
    expect(keyframe).toBeLessThan(last - 0.05);
  });

  it('answers null, and says why, for frames that do not begin with a keyframe or do not decode', async () => {
    const failures: unknown[] = [];
    const stills = new StillPictures(ffmpegRunner, (err) => failures.push(err));
    expect(await stills.make([Buffer.from([0x01, 0x02, 0x03])])).toBeNull();
    expect(await stills.make([])).toBeNull();
    const broken = Buffer.from('1002009d012a8002e001', 'hex');
    expect(await stills.make([Buffer.concat([broken, Buffer.alloc(64, 0xff)])])).toBeNull();
    expect(failures).toHaveLength(1);
  });
});
