/**
 * "Nothing changed" VP8 frames: an inter frame in which every macroblock copies the last picture unchanged (no
 * motion, no residual, no loop filter), one per picture size. A source that stops sending after a delta frame
 * (a canvas or window with nothing new on it) is held on screen with these: its last picture stays exactly as it
 * was, where repeating its last keyframe would show a picture from seconds before.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FfmpegRunner } from '../../../adapters/media/ffmpeg-process';

/** Width and height of a VP8 keyframe (RFC 6386 §9.1), or null when `frame` is not one. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0]! & 1) !== 0 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** The frames of an IVF file (the container libvpx writes). */
export function ivfFrames(file: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = file.readUInt16LE(6); at + 12 <= file.length; ) {
    const size = file.readUInt32LE(at);
    frames.push(file.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}

/** An IVF file of VP8 frames. */
export function ivfFile(width: number, height: number, frames: Buffer[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(25, 16);
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(frames.length, 24);
  return Buffer.concat([header, ...frames.flatMap((f, i) => {
    const head = Buffer.alloc(12);
    head.writeUInt32LE(f.length, 0);
    head.writeUInt32LE(i, 4);
    return [head, f];
  })]);
}

/**
 * Makes them with libvpx (a noise picture encoded twice: the second frame is all skipped macroblocks) and keeps
 * one only after FFmpeg's decoder showed it reproduces a picture bit for bit, twice in a row.
 */
export class StillFrames {
  private readonly made = new Map<string, Buffer | null>();
  private readonly making = new Set<string>();

  constructor(private readonly ffmpeg: Pick<FfmpegRunner, 'run'>, private readonly onFailure: (err: unknown) => void) {}

  /** The frame for this size if it is ready; otherwise starts making it and answers null for now. */
  get(width: number, height: number): Buffer | null {
    const key = `${width}x${height}`;
    if (this.made.has(key)) return this.made.get(key)!;
    if (!this.making.has(key)) {
      this.making.add(key);
      this.make(width, height)
        .then((frame) => this.made.set(key, frame))
        .catch((err: unknown) => {
          this.made.set(key, null);
          this.onFailure(err);
        })
        .finally(() => this.making.delete(key));
    }
    return null;
  }

  private async make(width: number, height: number): Promise<Buffer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aula-still-'));
    try {
      const encoded = path.join(dir, 'still.ivf');
      const source = `nullsrc=s=${width}x${height}:r=25,geq=lum='random(1)*255':cb=128:cr=128,format=yuv420p,trim=end_frame=1,loop=loop=1:size=1`;
      await this.ffmpeg.run(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', '2',
        '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-lag-in-frames', '0', '-auto-alt-ref', '0', '-error-resilient', '1',
        '-static-thresh', '1000', '-g', '1000', '-b:v', '2M', '-f', 'ivf', encoded], { timeoutMs: 30_000 });
      const [keyframe, still] = ivfFrames(await readFile(encoded));
      if (!keyframe || !still || (still[0]! & 1) !== 1 || (still[0]! & 0x10) === 0) throw new Error(`libvpx made no shown inter frame at ${width}x${height}`);
      const check = path.join(dir, 'check.ivf');
      await writeFile(check, ivfFile(width, height, [keyframe, still, still]));
      const { stdout } = await this.ffmpeg.run(['-hide_banner', '-nostdin', '-v', 'error', '-i', check, '-f', 'framemd5', '-'], { timeoutMs: 30_000 });
      const sums = stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim());
      if (sums.length !== 3 || new Set(sums).size !== 1) throw new Error(`the ${width}x${height} still frame changes the picture`);
      return Buffer.from(still);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
