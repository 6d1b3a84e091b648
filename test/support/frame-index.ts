import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ffmpegRunner } from '../../src/adapters/media/ffmpeg-process';

/**
 * A frame's number painted into the picture as a strip of black and white blocks, so that a frame seen live by a
 * student and the same frame in the recording can be found and compared. 16 bits of the number and a 4-bit check
 * (the XOR of its nibbles), read at the blocks' centres: survives scaling and lossy coding; a misread is rejected.
 * Both functions are self-contained: they are also run inside the browser pages.
 */
export function paintFrameIndex(g: CanvasRenderingContext2D, width: number, height: number, n: number): void {
  const bits: number[] = [];
  const check = (n ^ (n >> 4) ^ (n >> 8) ^ (n >> 12)) & 15;
  for (let i = 15; i >= 0; i--) bits.push((n >> i) & 1);
  for (let i = 3; i >= 0; i--) bits.push((check >> i) & 1);
  const bw = width * 0.045;
  bits.forEach((bit, i) => {
    g.fillStyle = bit ? '#ffffff' : '#000000';
    g.fillRect(width * 0.03 + i * bw, height * 0.55, Math.ceil(bw), height * 0.06);
  });
}

/** The number painted by paintFrameIndex into an 8-bit grey picture, or null when it cannot be read for sure. */
export function readFrameIndex(gray: ArrayLike<number>, width: number, height: number): number | null {
  const bw = width * 0.045;
  const bits: number[] = [];
  for (let i = 0; i < 20; i++) {
    const cx = Math.round(width * 0.03 + (i + 0.5) * bw);
    const cy = Math.round(height * 0.58);
    let sum = 0;
    let count = 0;
    for (let y = cy - 3; y <= cy + 3; y++) {
      for (let x = cx - 4; x <= cx + 4; x++) {
        sum += gray[y * width + x]!;
        count++;
      }
    }
    const mean = sum / count;
    if (mean > 70 && mean < 185) return null;
    bits.push(mean >= 185 ? 1 : 0);
  }
  let n = 0;
  for (let i = 0; i < 16; i++) n = (n << 1) | bits[i]!;
  let check = 0;
  for (let i = 16; i < 20; i++) check = (check << 1) | bits[i]!;
  return ((n ^ (n >> 4) ^ (n >> 8) ^ (n >> 12)) & 15) === check ? n : null;
}

/** BT.601 luma of RGB(A) pixels, the same in the browser and here (self-contained: also run in the pages). */
export function grayOf(pixels: ArrayLike<number>, channels: number, count: number): Uint8Array {
  const gray = new Uint8Array(count);
  for (let i = 0, p = 0; i < count; i++, p += channels) gray[i] = (77 * pixels[p]! + 150 * pixels[p + 1]! + 29 * pixels[p + 2]!) >> 8;
  return gray;
}

/** What installFrameIndex puts on `window.testFrameIndex`. */
export interface PageFrameIndex {
  paint: typeof paintFrameIndex;
  read: typeof readFrameIndex;
  gray: typeof grayOf;
}

/** Puts the three functions on `window.testFrameIndex` (a string evaluated by the driver: the page's CSP is not in the way). */
export async function installFrameIndex(page: Page): Promise<void> {
  await page.evaluate(`window.testFrameIndex = { paint: ${paintFrameIndex.toString()}, read: ${readFrameIndex.toString()}, gray: ${grayOf.toString()} }`);
}

export const SAMPLE_WIDTH = 640;
export const SAMPLE_HEIGHT = 360;

export interface LiveSample {
  n: number;
  /** Wall-clock ms at which the student's page showed it. */
  at: number;
  gray: Uint8Array;
}

/**
 * Starts sampling, twice a second, the frame a student's page shows in `selector`: the first sighting of each
 * frame number is kept (its grey picture at SAMPLE_WIDTH × SAMPLE_HEIGHT). `collect` ends it and returns the samples.
 */
export async function sampleShownFrames(page: Page, selector: string): Promise<{ collect(): Promise<LiveSample[]> }> {
  await installFrameIndex(page);
  await page.evaluate(({ selector, w, h }) => {
    const frameIndex = (window as unknown as { testFrameIndex: PageFrameIndex }).testFrameIndex;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d', { willReadFrequently: true })!;
    const seen = new Set<number>();
    const samples: Array<{ n: number; at: number; gray: string }> = [];
    const timer = setInterval(() => {
      const video = document.querySelector<HTMLVideoElement>(selector);
      if (!video || video.readyState < 2 || !video.videoWidth) return;
      g.drawImage(video, 0, 0, w, h);
      const gray = frameIndex.gray(g.getImageData(0, 0, w, h).data, 4, w * h);
      const n = frameIndex.read(gray, w, h);
      if (n === null || seen.has(n)) return;
      seen.add(n);
      let text = '';
      for (let i = 0; i < gray.length; i += 0x8000) text += String.fromCharCode(...gray.subarray(i, i + 0x8000));
      samples.push({ n, at: Date.now(), gray: btoa(text) });
    }, 500);
    (window as unknown as { testSampling: unknown }).testSampling = { timer, samples };
  }, { selector, w: SAMPLE_WIDTH, h: SAMPLE_HEIGHT });
  return {
    async collect() {
      const raw = await page.evaluate(() => {
        const s = (window as unknown as { testSampling: { timer: number; samples: Array<{ n: number; at: number; gray: string }> } }).testSampling;
        clearInterval(s.timer);
        return s.samples;
      });
      return raw.map((s) => ({ n: s.n, at: s.at, gray: new Uint8Array(Buffer.from(s.gray, 'base64')) }));
    },
  };
}

/**
 * The first frame of a recording (HLS or file) that carries each wanted number, as grey pictures at
 * SAMPLE_WIDTH × SAMPLE_HEIGHT, decoded by FFmpeg frame by frame (no frame rate conversion in between).
 */
export async function recordedFrames(url: string, wanted: ReadonlySet<number>): Promise<Map<number, Uint8Array>> {
  const w = SAMPLE_WIDTH;
  const h = SAMPLE_HEIGHT;
  const frameBytes = w * h * 3;
  const found = new Map<number, Uint8Array>();
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', url, '-an', '-fps_mode', 'passthrough', '-vf', `scale=${w}:${h},format=rgb24`, '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= frameBytes) {
      const frame = pending.subarray(0, frameBytes);
      pending = pending.subarray(frameBytes);
      // Only the strip is read for every frame; the whole picture only for a wanted one.
      const strip = new Uint8Array(w * h);
      const y0 = Math.floor(h * 0.55);
      const y1 = Math.ceil(h * 0.61);
      strip.set(grayOf(frame.subarray(y0 * w * 3, y1 * w * 3), 3, (y1 - y0) * w), y0 * w);
      const n = readFrameIndex(strip, w, h);
      if (n !== null && wanted.has(n) && !found.has(n)) found.set(n, grayOf(frame, 3, w * h));
    }
  }
  const code = await new Promise<number | null>((resolve) => (ffmpeg.exitCode !== null ? resolve(ffmpeg.exitCode) : ffmpeg.on('close', resolve)));
  if (code !== 0) throw new Error(`ffmpeg could not decode ${url}: ${stderr.trim()}`);
  return found;
}

/** The number of the frame a recording shows at `at` s, or null when none can be read there. */
export async function frameNumberAt(url: string, at: number): Promise<number | null> {
  const w = SAMPLE_WIDTH;
  const h = SAMPLE_HEIGHT;
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-ss', String(at), '-i', url, '-an', '-frames:v', '1', '-vf', `scale=${w}:${h},format=rgb24`, '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) chunks.push(chunk);
  const frame = Buffer.concat(chunks);
  return frame.length === w * h * 3 ? readFrameIndex(grayOf(frame, 3, w * h), w, h) : null;
}

/** SSIM (luma) of each pair of grey pictures over the region `crop` (FFmpeg's crop=w:h:x:y), by FFmpeg's ssim filter. */
export async function ssimOfPairs(pairs: Array<[Uint8Array, Uint8Array]>, crop: string): Promise<number[]> {
  if (pairs.length === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-ssim-'));
  try {
    const [a, b, stats] = ['a.gray', 'b.gray', 'ssim.log'].map((f) => path.join(dir, f)) as [string, string, string];
    writeFileSync(a, Buffer.concat(pairs.map(([x]) => x)));
    writeFileSync(b, Buffer.concat(pairs.map(([, y]) => y)));
    const input = (file: string) => ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${SAMPLE_WIDTH}x${SAMPLE_HEIGHT}`, '-r', '1', '-i', file];
    await ffmpegRunner.run(['-hide_banner', '-loglevel', 'error', ...input(a), ...input(b), '-lavfi', `[0:v]${crop}[x];[1:v]${crop}[y];[x][y]ssim=stats_file=${stats}`, '-f', 'null', '-']);
    return [...(await readFile(stats, 'utf8')).matchAll(/All:([\d.]+)/g)].map((m) => Number(m[1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
