/**
 * A/V sync of native-room recordings: the instructor's fake camera flashes white and its fake microphone beeps on
 * the same instant every 2 s, on a grey that brightens through each 2 s (Chromium plays both files, each looping on its own, so the source drifts by
 * itself). The page records what it sends with MediaRecorder: that local recording, with PCM audio, is the
 * baseline (an Opus one is made beside it, to show its own offset). For the live recording (HLS) and its MP4, each flash/beep pair's audio-minus-video offset is set against the same
 * pair in the baseline, matched by wall-clock time; printed at the start, at the end, and the drift between.
 *
 *   npx tsx bench/avsync.ts [--minutes 1,10] [--keep]     (--analyse <file>: the offsets of one file alone)
 *
 * Runs Aula in this process, one class per length in real time, then the recordings pipeline for the MP4.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { seedSchool, startAula, type TestAula } from '../test/support/aula';
import { launchChromium } from '../test/support/browser';
import { FAKE_CAPTURE_FPS, makeFlashBeepMedia } from '../test/support/fake-capture';
import { waitFor } from '../test/support/wait';

const run = promisify(execFile);
const PERIOD = 2;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface Rec {
  id: string;
  status: string;
  startedAt?: string;
  progress: { stage: string } | null;
  outputs: { mp4: boolean } | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : NaN;
};

/** Onsets (s) of a signal crossing `threshold` upwards, at least `gap` s apart. */
function onsets(samples: Array<[number, number]>, threshold: number, gap = 1): number[] {
  const out: number[] = [];
  let prev = -Infinity;
  let wasAbove = true;
  for (const [t, v] of samples) {
    const above = v > threshold;
    if (above && !wasAbove && t - prev > gap) {
      out.push(t);
      prev = t;
    }
    wasAbove = above;
  }
  return out;
}

/** Per-frame mean luma and per-10 ms audio level (dB above 800 Hz) of a file or URL, as (time, value) pairs. */
async function signals(input: string, work: string): Promise<{ luma: Array<[number, number]>; level: Array<[number, number]> }> {
  const lumaFile = path.join(work, `luma-${Date.now()}.txt`);
  const levelFile = path.join(work, `level-${Date.now()}.txt`);
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', input, '-map', '0:v:0', '-vf', `scale=160:90,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=${lumaFile}`, '-f', 'null', '-',
    '-map', '0:a:0', '-af', `highpass=f=800,asetnsamples=n=480:p=0,astats=metadata=1:reset=1,ametadata=mode=print:key=lavfi.astats.Overall.RMS_level:file=${levelFile}`, '-f', 'null', '-'], { timeout: 3_600_000, maxBuffer: 64 * 1024 * 1024 });
  const parse = (file: string, key: string): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    let t = NaN;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const pts = /pts_time:([-\d.]+)/.exec(line);
      if (pts) t = Number(pts[1]);
      else if (line.startsWith(`${key}=`)) {
        const v = Number(line.slice(key.length + 1));
        out.push([t, Number.isFinite(v) ? v : -200]);
      }
    }
    return out;
  };
  return { luma: parse(lumaFile, 'lavfi.signalstats.YAVG'), level: parse(levelFile, 'lavfi.astats.Overall.RMS_level') };
}

/**
 * Flash instants from a ramp picture: every frame's grey level says how far into its period it was captured
 * (calibrated on the file's own darkest and brightest ramp frames, the 3rd and the last of a period), so each frame
 * implies the instant of its period's flash; the median per period is that flash, dropped frames or not.
 */
function flashInstants(luma: Array<[number, number]>, period: number): number[] {
  const ramp = luma.filter(([, y]) => y < 225);
  const levels = ramp.map(([, y]) => y).sort((a, b) => a - b);
  const lo = levels[Math.floor(levels.length * 0.005)] ?? 0;
  const hi = levels[Math.floor(levels.length * 0.995)] ?? 255;
  const framesPerPeriod = period * FAKE_CAPTURE_FPS;
  const [first, last] = [2 / FAKE_CAPTURE_FPS, (framesPerPeriod - 1) / FAKE_CAPTURE_FPS];
  const implied: number[] = [];
  for (const [t, y] of ramp) {
    const x = (y - lo) / (hi - lo);
    // The ends of the ramp are left out: a frame there could belong to either period.
    if (x < 0.05 || x > 0.95) continue;
    implied.push(t - (first + x * (last - first)));
  }
  implied.sort((a, b) => a - b);
  const out: number[] = [];
  let group: number[] = [];
  for (const v of implied) {
    if (group.length && v - group[0]! > period / 2) {
      if (group.length >= 3) out.push(median(group));
      group = [];
    }
    group.push(v);
  }
  if (group.length >= 3) out.push(median(group));
  return out;
}

/** Each flash (wall-clock ms) with the offset of its beep: audio minus video, ms. */
async function pairs(input: string, wallStartMs: number, period: number, work: string): Promise<Array<{ wall: number; offset: number }>> {
  const { luma, level } = await signals(input, work);
  const flashes = flashInstants(luma, period);
  const beeps = onsets(level, -30);
  const out: Array<{ wall: number; offset: number }> = [];
  for (const f of flashes) {
    const b = beeps.reduce((best, x) => (Math.abs(x - f) < Math.abs(best - f) ? x : best), Infinity);
    if (Math.abs(b - f) < 0.5) out.push({ wall: wallStartMs + f * 1000, offset: (b - f) * 1000 });
  }
  return out;
}

/** Offsets of `measured` less those of the baseline's pair nearest in wall-clock time (within 0.8 s). */
function againstBaseline(measured: Array<{ wall: number; offset: number }>, baseline: Array<{ wall: number; offset: number }>): number[] {
  const out: number[] = [];
  for (const m of measured) {
    const ref = baseline.reduce<{ wall: number; offset: number } | null>((best, x) => (!best || Math.abs(x.wall - m.wall) < Math.abs(best.wall - m.wall) ? x : best), null);
    if (ref && Math.abs(ref.wall - m.wall) < 800) out.push(m.offset - ref.offset);
  }
  return out;
}

function line(name: string, diffs: number[]): string {
  const n = Math.min(10, Math.max(1, Math.floor(diffs.length / 3)));
  const start = median(diffs.slice(0, n));
  const end = median(diffs.slice(-n));
  return `${name.padEnd(40)} start ${start.toFixed(0).padStart(5)} ms   end ${end.toFixed(0).padStart(5)} ms   drift ${(end - start).toFixed(0).padStart(5)} ms   (${diffs.length} flash/beep pairs)`;
}

/**
 * The page's own recordings of what it sends (camera and microphone): one with PCM audio, the baseline, and one with
 * Opus, to show how far MediaRecorder's Opus timestamps are off (they fall tens of ms after the samples' capture,
 * so an Opus baseline would bias every figure). Resolves with each one's wall-clock start.
 */
const LOCAL_RECORDINGS = { pcm: 'video/x-matroska;codecs=vp8,pcm', opus: 'video/webm;codecs=vp8,opus' } as const;
type LocalKind = keyof typeof LOCAL_RECORDINGS;

async function startLocalRecordings(page: Page): Promise<Record<LocalKind, number>> {
  return page.evaluate(async (types) => {
    const pc = window.aulaLive?.publisher;
    const tracks = (pc?.getSenders() ?? []).map((s) => s.track).filter((t): t is MediaStreamTrack => !!t && t.readyState === 'live');
    const store: Record<string, { recorder: MediaRecorder; chunks: Blob[] }> = {};
    (window as unknown as { localRecordings: typeof store }).localRecordings = store;
    const starts = await Promise.all(Object.entries(types).map(([kind, mimeType]) => {
      const recorder = new MediaRecorder(new MediaStream(tracks), { mimeType, videoBitsPerSecond: 400_000 });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      store[kind] = { recorder, chunks };
      const started = new Promise<[string, number]>((resolve) => (recorder.onstart = () => resolve([kind, Date.now()])));
      recorder.start(1000);
      return started;
    }));
    return Object.fromEntries(starts) as Record<'pcm' | 'opus', number>;
  }, LOCAL_RECORDINGS);
}

async function stopLocalRecording(page: Page, kind: LocalKind, file: string): Promise<void> {
  const base64 = await page.evaluate(async (kind) => {
    const { recorder, chunks } = (window as unknown as { localRecordings: Record<string, { recorder: MediaRecorder; chunks: Blob[] }> }).localRecordings[kind]!;
    await new Promise<void>((resolve) => {
      recorder.onstop = () => resolve();
      recorder.stop();
    });
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, kind);
  writeFileSync(file, Buffer.from(base64, 'base64'));
}

async function oneClass(t: TestAula, school: Awaited<ReturnType<typeof seedSchool>>, page: Page, minutes: number, work: string): Promise<void> {
  const created = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
    body: { title: `A/V sync ${minutes} min`, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: minutes + 5, autoRecord: true },
  });
  await page.goto(`${t.url}/live/${created.body.id}?token=${encodeURIComponent(school.batches[0]!.instructor.token)}`);
  await page.waitForSelector('#start-class:not([hidden])', { timeout: 20_000 });
  await page.click('#start-class');
  const rec = await waitFor('the recording to start', async () => (await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${created.body.id}`)).body.items.find((r) => r.startedAt), 30_000);
  await waitFor('camera and microphone being sent', () => page.evaluate(() => (window.aulaLive?.publisher?.getSenders() ?? []).filter((s) => s.track).length >= 2), 30_000);
  const localStarts = await startLocalRecordings(page);
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  const local = path.join(work, `local-${minutes}.mkv`);
  const localOpus = path.join(work, `local-${minutes}-opus.webm`);
  await stopLocalRecording(page, 'pcm', local);
  await stopLocalRecording(page, 'opus', localOpus);
  await page.click('#end-class');
  await waitFor('the live recording', async () => (await t.api<Rec>('GET', `/api/v1/recordings/${rec.id}`)).body.status === 'ready', 60_000, 250);
  const hls = (await t.api<{ hls: string }>('GET', `/api/v1/recordings/${rec.id}/playback`)).body.hls;
  const t0 = Date.parse(rec.startedAt!);
  const baseline = await pairs(local, localStarts.pcm, PERIOD, work);
  const opusBaseline = againstBaseline(await pairs(localOpus, localStarts.opus, PERIOD, work), baseline);
  const live = againstBaseline(await pairs(hls, t0, PERIOD, work), baseline);
  const own = baseline.map((b) => b.offset);
  console.log(`--- class of ${minutes} min`);
  console.log(line('baseline: the page\'s own recording (raw)', own));
  console.log(line('the page\'s Opus recording − baseline', opusBaseline));
  console.log(line('live recording (HLS) − baseline', live));
  const done = await waitFor('the MP4', async () => {
    const r = (await t.api<Rec>('GET', `/api/v1/recordings/${rec.id}`)).body;
    return r.progress?.stage === 'done' && r.outputs?.mp4 ? recordingLayout(rec.id).mp4 : null;
  }, minutes * 120_000 + 120_000, 1_000);
  const mp4 = againstBaseline(await pairs(path.join(t.dataDir, 'media', done), t0, PERIOD, work), baseline);
  console.log(line('MP4 − baseline', mp4));
}

async function main(): Promise<void> {
  const analyse = option('analyse', '');
  if (analyse) {
    // One file made from the bench's media: its own offsets, e.g. to check the measurement itself.
    const work = mkdtempSync(path.join(os.tmpdir(), 'aula-avsync-'));
    const found = await pairs(analyse, 0, PERIOD, work);
    console.log(found.map((p) => `${(p.wall / 1000).toFixed(2)}:${p.offset.toFixed(0)}`).join(" "));
    console.log(line(analyse, found.map((p) => p.offset)));
    rmSync(work, { recursive: true, force: true });
    return;
  }
  const lengths = option('minutes', '1,10').split(',').map(Number).filter((m) => m > 0);
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-avsync-'));
  const t = await startAula({ AULA_LIVE_GRACE_SECONDS: '600' });
  let chrome: Awaited<ReturnType<typeof launchChromium>> | null = null;
  try {
    const school = await seedSchool(t, { batches: 1, studentsPerBatch: 1 });
    const media = await makeFlashBeepMedia(work, { period: PERIOD, seconds: 2 * PERIOD, ramp: true });
    chrome = await launchChromium({ media: true, args: media.args });
    const page = await chrome.browser.newPage();
    page.on('dialog', (d) => void d.accept());
    for (const minutes of lengths) await oneClass(t, school, page, minutes, work);
  } finally {
    await chrome?.close();
    await t.close();
    if (process.argv.includes('--keep')) console.log(`files kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
