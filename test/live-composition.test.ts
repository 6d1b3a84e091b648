import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildLiveEncodeArgs } from '../src/domain/media/ffmpeg-args/live';
import { ivfFrames } from '../src/domain/media/ivf';
import { FILLER_VP8_KEYFRAME, matroskaHeader, MatroskaClusterWriter, OPUS_SHORT_SILENCE, OPUS_SILENCE, opusPacketMs } from '../src/services/live/recorder';
import { mediaDuration } from './support/media';

const run = promisify(execFile);

/** The stretches (seconds) over `minSeconds` where the picture of `file` does not change. */
async function frozenStretches(file: string, minSeconds: number): Promise<number[]> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', file, '-an', '-vf', `freezedetect=n=0.001:d=${minSeconds}`, '-f', 'null', '-'], { timeout: 60_000 });
  return [...stderr.matchAll(/freeze_duration: ([\d.]+)/g)].map((m) => Number(m[1]));
}

describe('the live recording’s picture', () => {
  it('a shared screen keeps moving in the recording while the camera sends nothing for 3 s, and the recording keeps its length', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-live-compose-'));
    try {
      // A moving share: FFmpeg's test pattern as VP8, every frame a keyframe so each block stands alone.
      const ivf = path.join(dir, 'share.ivf');
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=6', '-c:v', 'libvpx', '-g', '1', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M', '-f', 'ivf', ivf], { timeout: 60_000 });
      const share = ivfFrames(readFileSync(ivf));
      expect(share.length).toBe(180);

      const mkv = new MatroskaClusterWriter();
      const parts = [matroskaHeader([{ number: 1, kind: 'video' }, { number: 2, kind: 'video', width: 640, height: 360 }, { number: 3, kind: 'audio' }])];
      const blocks: { ts: number; track: number; data: Buffer }[] = [];
      // The camera's frames stop from 1 s to 4 s (late on a busy network or machine); the share goes on.
      for (let ts = 0; ts <= 6_000; ts += 100) if (ts <= 1_000 || ts >= 4_000) blocks.push({ ts, track: 1, data: FILLER_VP8_KEYFRAME });
      share.forEach((data, i) => blocks.push({ ts: Math.round((i * 1000) / 30), track: 2, data }));
      for (let ts = 0; ts < 6_000; ts += 20) blocks.push({ ts, track: 3, data: OPUS_SILENCE });
      blocks.sort((a, b) => a.ts - b.ts);
      for (const b of blocks) parts.push(mkv.block(b.track, b.ts, true, b.data));
      const input = path.join(dir, 'in.webm');
      writeFileSync(input, Buffer.concat(parts));

      const hlsDir = path.join(dir, 'hls');
      mkdirSync(hlsDir);
      const args = buildLiveEncodeArgs({ hlsDir, audioInputs: 1, width: 640, height: 360, fps: 25, preset: 'ultrafast', crf: 30, maxKbps: 1500, audioKbps: 64 });
      args[args.indexOf('pipe:0')] = input;
      await run('ffmpeg', args, { timeout: 60_000 });

      const playlist = path.join(hlsDir, 'index.m3u8');
      expect(Math.abs((await mediaDuration(playlist)) - 6)).toBeLessThan(0.3);
      // Timed by the camera, the picture stood still from 1 s to 4 s.
      expect(await frozenStretches(playlist, 0.5)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('silence in 20 ms and 2.5 ms packets decodes to exactly its length: the mixer, counting samples, puts what follows it on its time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-live-silence-'));
    try {
      expect(opusPacketMs(OPUS_SHORT_SILENCE)).toBe(2.5);
      const mkv = new MatroskaClusterWriter();
      const parts = [matroskaHeader([{ number: 1, kind: 'audio' }])];
      let ts = 0;
      const put = (data: Buffer, count: number) => {
        for (let i = 0; i < count; i += 1, ts += opusPacketMs(data)) parts.push(mkv.block(1, ts, true, data));
      };
      put(OPUS_SILENCE, 50);
      put(OPUS_SHORT_SILENCE, 7);
      put(OPUS_SILENCE, 50);
      const input = path.join(dir, 'in.webm');
      writeFileSync(input, Buffer.concat(parts));
      const { stdout } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', input, '-f', 's16le', '-ac', '1', '-'], { encoding: 'buffer', maxBuffer: 1 << 24, timeout: 60_000 });
      // 2017.5 ms at 48 kHz, less the 312 samples of pre-skip the stream's header declares.
      expect(stdout.length / 2).toBe(2.0175 * 48_000 - 312);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
