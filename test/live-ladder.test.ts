import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeParticipant, startSyntheticMedia } from '../bench/sfu';
import { ffmpegRunner, type FfmpegRunner } from '../src/adapters/media/ffmpeg-process';
import { probeMedia } from '../src/adapters/media/ffprobe';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { parseMediaPlaylist } from '../src/domain/media/hls';
import { LIVE_SEGMENT_SECONDS, planSprite } from '../src/domain/media/ladder';
import { RealtimeMeter, spriteSeconds, thumbnailSecondsIn } from '../src/domain/media/live-ladder';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { loadConfig } from '../src/config';
import { LadderFollower } from '../src/services/live/recorder/ladder-follower';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { waitFor, waitForIdleJobs } from './support/wait';

const run = promisify(execFile);

interface Rendition { name: string; width: number | null; height: number | null }
interface Rec {
  id: string;
  status: string;
  durationSeconds: number | null;
  progress: { stage: string; percent: number } | null;
  outputs: { renditions: Rendition[]; poster: boolean; thumbnails: boolean; mp4: boolean; chat: boolean } | null;
}

interface Probe { streams: Array<{ codec_type: string; width?: number; height?: number; start_time?: string }>; format: { duration?: string } }

async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { timeout: 60_000 });
  return JSON.parse(stdout) as Probe;
}

/** Top-level MP4 boxes in file order, to tell whether the index (moov) comes before the media (mdat). */
function topLevelBoxes(file: string): string[] {
  const buf = readFileSync(file);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= buf.length;) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    if (size === 0) size = buf.length - at;
    boxes.push(type);
    at += size;
  }
  return boxes;
}

/** Every file of a folder with the SHA-256 of its bytes. */
const filesWithHashes = (dir: string) =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
const segmentsOf = (playlist: string) => readFileSync(playlist, 'utf8').split('\n').filter((l) => l.endsWith('.ts'));

interface RunningClass {
  recId: string;
  host: NodeParticipant;
  stop(): Promise<void>;
}

/** An instructor in Node publishing ffmpeg's 720p test picture and a tone as real RTP, the class started and recording. */
async function startRecordedClass(t: TestAula, title: string): Promise<RunningClass> {
  const school = await seedSchool(t, { lessons: 1 });
  const batch = school.batches[0]!;
  const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title, batchId: batch.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30, autoRecord: true } });
  const host = new NodeParticipant({ url: t.url, liveClassId: cls.body.id, token: batch.instructor.token });
  let media: { stop(): void } | null = null;
  const stop = async () => {
    media?.stop();
    await host.close();
  };
  try {
    await host.join();
    media = await startSyntheticMedia(await host.publish(), { kbps: 1200 });
    const recording = host.next('recording', 20_000);
    host.send({ type: 'start-class' });
    await recording;
    const recs = await waitFor('the recording', async () => (await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${cls.body.id}`)).body.items[0], 10_000);
    return { recId: recs.id, host, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Ends the class and measures seconds from "end class" to a ready recording. */
async function endAndWaitReady(t: TestAula, c: RunningClass): Promise<{ rec: Rec; readyAfter: number }> {
  const endAt = Date.now();
  c.host.send({ type: 'end-class' });
  const rec = await waitFor('the recording to be ready', async () => {
    const r = await t.api<Rec>('GET', `/api/v1/recordings/${c.recId}`);
    return r.body.status === 'ready' ? r.body : null;
  }, 30_000, 50);
  return { rec, readyAfter: (Date.now() - endAt) / 1000 };
}

async function jobAttempts(t: TestAula, job: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('aula_job_attempts_total{') && l.includes(`job="${job}"`)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('live ladder policy', () => {
  it('AULA_LIVE_LADDER is full by default, top when asked, and any other value stops Aula at start naming the variable', () => {
    const dir = { AULA_DATA_DIR: path.join(os.tmpdir(), 'aula-config-test') };
    expect(loadConfig(dir).liveLadder).toBe('full');
    expect(loadConfig({ ...dir, AULA_LIVE_LADDER: 'top' }).liveLadder).toBe('top');
    expect(() => loadConfig({ ...dir, AULA_LIVE_LADDER: 'half' })).toThrow(/^Invalid AULA_LIVE_LADDER/);
  });

  it('the follower\'s pace is its rolling speed over the last segments', () => {
    const meter = new RealtimeMeter(3);
    expect(meter.speed()).toBeNull();
    meter.add(4, 8);
    expect(meter.speed()).toBeCloseTo(0.5);
    meter.add(4, 4);
    expect(meter.speed()).toBeCloseTo(8 / 12);
    for (let i = 0; i < 3; i++) meter.add(4, 1);
    expect(meter.speed()).toBeCloseTo(4);
  });

  it('thumbnails taken live at every whole second contain the sprite tiles the pipeline spacing picks', () => {
    expect(thumbnailSecondsIn(0, 4)).toEqual({ first: 0, count: 4 });
    expect(thumbnailSecondsIn(4, 4)).toEqual({ first: 4, count: 4 });
    expect(thumbnailSecondsIn(8, 0.6)).toEqual({ first: 8, count: 1 });
    expect(thumbnailSecondsIn(8.5, 0.4)).toEqual({ first: 9, count: 0 });
    const taken = new Set(Array.from({ length: 30 * 60 }, (_, s) => s));
    expect(spriteSeconds(planSprite(30 * 60)).every((s) => taken.has(s))).toBe(true);
    expect(spriteSeconds(planSprite(30 * 60))).toHaveLength(100);
  });
});

/** A top rung like the live encoder's (720p H.264/AAC MPEG-TS, a keyframe per segment), short segments to keep it quick. */
async function topRung(dir: string, seconds: number, segmentSeconds: number) {
  await run('ffmpeg', [
    '-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(25 * segmentSeconds), '-keyint_min', String(25 * segmentSeconds), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', '0',
    '-hls_segment_filename', path.join(dir, 'seg_%05d.ts'), path.join(dir, 'index.m3u8'),
  ], { timeout: 60_000 });
  return parseMediaPlaylist(readFileSync(path.join(dir, 'index.m3u8'), 'utf8')).segments;
}

describe('live ladder follower', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-ladder-'));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  interface Class {
    seconds: number;
    segmentSeconds: number;
    /** Over before the follower takes its segments (as its last segments are), or live while it does. */
    ended: boolean;
    /** Each segment is taken when the live encoder would have finished it, instead of all at once. */
    paced?: boolean;
    maxLagSeconds?: number;
    /** The class goes on until the follower gives up; the end comes after. */
    liveUntilStopped?: boolean;
  }

  async function follow(ffmpeg: Pick<FfmpegRunner, 'run'>, c: Class) {
    const top = path.join(work, 'top');
    const captureDir = path.join(work, 'capture');
    for (const d of [top, captureDir]) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
    }
    const segments = await topRung(top, c.seconds, c.segmentSeconds);
    const storage = new LocalMediaStorage(path.join(work, 'media'));
    let changes = 0;
    const follower = new LadderFollower(captureDir, 'rec1', { ffmpeg, storage, probe: probeMedia, log: pino({ level: 'silent' }), onRenditionsChanged: async () => void changes++, maxLagSeconds: c.maxLagSeconds });
    if (c.ended) follower.endOfInput();
    const classStart = Date.now();
    let start = 0;
    for (const seg of segments) {
      // The class's own pace, which the follower is measured against.
      if (c.paced) await new Promise((r) => setTimeout(r, classStart + (start + seg.durationSeconds) * 1000 - Date.now()));
      await follower.take(path.join(top, seg.uri), { uri: seg.uri, durationSeconds: seg.durationSeconds, startSeconds: start });
      start += seg.durationSeconds;
    }
    const entries = () => follower.liveEntries();
    if (c.liveUntilStopped) await waitFor('the ladder to stop', () => follower.stopped, 30_000);
    return { follower, segments, storage, changes: () => changes, entries, outcome: await follower.finish() };
  }

  it('the segments of an ended class all become segments of every lower rung and of the audio rendition, with a thumbnail per second, whatever the pace', async () => {
    // Taken after the end of the class, as its last segments are: a busy test machine cannot stop them.
    const { outcome, segments, entries, changes } = await follow(ffmpegRunner, { seconds: 6, segmentSeconds: 2, ended: true });
    expect(outcome.kind).toBe('complete');
    if (outcome.kind !== 'complete') return;
    expect(outcome.renditions.map((r) => r.name)).toEqual(['480p', '360p', 'audio']);
    const layout = recordingLayout('rec1');
    for (const r of outcome.renditions) {
      expect(r.segments.map((x) => x.uri)).toEqual(segments.map((x) => x.uri));
      for (const seg of segments) expect(existsSync(path.join(work, 'media', layout.segment(r.name, seg.uri)))).toBe(true);
      expect(segmentsOf(path.join(work, 'media', layout.renditionPlaylist(r.name)))).toHaveLength(segments.length);
    }
    expect(readdirSync(outcome.thumbnailsDir).sort()).toEqual(['00000.png', '00001.png', '00002.png', '00003.png', '00004.png', '00005.png']);
    expect(entries().map((e) => e.uri)).toEqual(['480p/index.m3u8', '360p/index.m3u8', 'audio/index.m3u8']);
    expect(changes()).toBe(1);
  }, 60_000);

  it('what an ended class still owes is made two segments at a time, and each rendition still lists them in order', async () => {
    let running = 0;
    let most = 0;
    const counting: Pick<FfmpegRunner, 'run'> = {
      run: async (args, opts) => {
        most = Math.max(most, ++running);
        try {
          const result = await ffmpegRunner.run(args, opts);
          // Long enough that a run begun beside it is still under way.
          await new Promise((r) => setTimeout(r, 300));
          return result;
        } finally {
          running--;
        }
      },
    };
    const { outcome, segments } = await follow(counting, { seconds: 8, segmentSeconds: 2, ended: true });
    expect(most).toBe(2);
    expect(outcome.kind).toBe('complete');
    if (outcome.kind !== 'complete') return;
    for (const r of outcome.renditions) expect(r.segments.map((x) => x.uri)).toEqual(segments.map((x) => x.uri));
  }, 60_000);

  /** A runner on a machine busy for the first `busyRuns` runs (every run), each taking `extraMs` more. */
  function busy(extraMs: number, busyRuns = Infinity): Pick<FfmpegRunner, 'run'> {
    let runs = 0;
    return {
      run: async (args, opts) => {
        const result = await ffmpegRunner.run(args, opts);
        if (runs++ < busyRuns) await new Promise((r) => setTimeout(r, extraMs));
        return result;
      },
    };
  }

  it('a busy moment that leaves the ladder some seconds behind the class is caught up, and every segment is made', async () => {
    // The first two segments take 2 s more each, 3 s behind at most: judged on its speed over them (under 0.5×) the
    // follower would stop.
    const { follower, outcome, segments, entries } = await follow(busy(2_000, 2), { seconds: 8, segmentSeconds: 1, ended: false, paced: true, maxLagSeconds: 6 });
    expect(follower.stopped).toBeNull();
    expect(outcome.kind).toBe('complete');
    if (outcome.kind !== 'complete') return;
    for (const r of outcome.renditions) expect(r.segments.map((x) => x.uri)).toEqual(segments.map((x) => x.uri));
    expect(entries().map((e) => e.uri)).toEqual(['480p/index.m3u8', '360p/index.m3u8', 'audio/index.m3u8']);
  }, 60_000);

  it('a machine slower than real time stops the ladder once it is too far behind, drops it from the live master and leaves the rest to processing', async () => {
    // A machine this busy: every run of a 1 s segment takes over 4 s, so the second one is made over 7 s late.
    const { outcome, segments, entries, changes, storage } = await follow(busy(4_000), { seconds: 5, segmentSeconds: 1, ended: false, paced: true, maxLagSeconds: 7, liveUntilStopped: true });
    expect(outcome.kind).toBe('stopped');
    expect(outcome.kind === 'stopped' && outcome.reason).toMatch(/^the live ladder fell \d+\.\d s behind the class \(7 s at most\), making 0\.\d\d s of class a second$/);
    expect(entries()).toEqual([]);
    expect(changes()).toBe(2);
    // Two segments measured, then nothing more is made.
    expect(await storage.stat(recordingLayout('rec1').segment('480p', segments[1]!.uri))).not.toBeNull();
    expect(await storage.stat(recordingLayout('rec1').segment('480p', segments.at(-1)!.uri))).toBeNull();
  }, 60_000);
});

describe('native live class: the whole ladder while live', () => {
  let t: TestAula | null = null;
  let running: RunningClass | null = null;
  afterEach(async () => {
    await running?.stop();
    running = null;
    await t?.close();
    t = null;
  });

  it('every rendition, the audio rendition, poster, sprite, chat track and faststart MP4 are ready within 5 s of "end class", and no processing job runs afterwards', async () => {
    t = await startAula();
    running = await startRecordedClass(t, 'Ladder class');
    const { recId } = running;
    const media = path.join(t.dataDir, 'media');
    const hls = path.join(media, 'recordings', recId, 'hls');

    // While the class runs the lower rungs and the audio rendition grow beside the top rung, and the live master lists them.
    await waitFor('lower rungs while live', () => ['480p', '360p', 'audio'].every((r) => existsSync(path.join(hls, r, 'index.m3u8')) && segmentsOf(path.join(hls, r, 'index.m3u8')).length >= 2), 40_000, 250);
    expect((await t.api<Rec>('GET', `/api/v1/recordings/${recId}`)).body.status).toBe('recording');
    const chatSeen = running.host.next('chat', 10_000);
    running.host.send({ type: 'chat', text: 'A question while the ladder is made' });
    await chatSeen;
    expect(readFileSync(path.join(hls, 'master.m3u8'), 'utf8')).toMatch(/480p\/index\.m3u8[\s\S]*audio\/index\.m3u8|audio\/index\.m3u8[\s\S]*480p/);
    await waitFor('about 20 s of class', () => existsSync(path.join(hls, '720p', 'index.m3u8')) && segmentsOf(path.join(hls, '720p', 'index.m3u8')).length >= Math.ceil(20 / LIVE_SEGMENT_SECONDS), 40_000, 250);

    const { rec, readyAfter } = await endAndWaitReady(t, running);
    console.log(`recording ready with all outputs ${readyAfter.toFixed(2)} s after "end class"`);
    expect(readyAfter).toBeLessThan(5);
    expect(rec.progress?.stage).toBe('done');
    const made = rec.outputs!;
    expect(made.renditions.map((r) => r.name).sort()).toEqual(['360p', '480p', '720p', 'audio']);
    expect(made).toMatchObject({ poster: true, thumbnails: true, mp4: true, chat: true });
    const m = recordingLayout(recId);
    const master = readFileSync(path.join(media, m.master), 'utf8');
    for (const r of made.renditions) expect(master).toContain(`${r.name}/index.m3u8`);
    const duration = rec.durationSeconds!;
    expect(duration).toBeGreaterThan(18);

    // Each variant: its size, the top rung's segments one for one, aligned timestamps, the same length.
    const top = await ffprobe(path.join(hls, '720p', 'index.m3u8'));
    const topSegments = segmentsOf(path.join(hls, '720p', 'index.m3u8'));
    const topStart = Number((await ffprobe(path.join(hls, '720p', topSegments[1]!))).streams[0]!.start_time);
    const expected: Record<string, [number, number] | null> = { '720p': [1280, 720], '480p': [854, 480], '360p': [640, 360], audio: null };
    for (const r of made.renditions) {
      const playlist = path.join(media, m.renditionPlaylist(r.name));
      const probe = await ffprobe(playlist);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      const size = expected[r.name];
      if (size) expect([video?.width, video?.height]).toEqual(size);
      else expect(video).toBeUndefined();
      expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
      expect(Math.abs(Number(probe.format.duration) - Number(top.format.duration))).toBeLessThan(4);
      expect(Math.abs(Number(probe.format.duration) - duration)).toBeLessThan(1);
      expect(segmentsOf(playlist)).toEqual(topSegments);
      const start = Number((await ffprobe(path.join(path.dirname(playlist), topSegments[1]!))).streams[0]!.start_time);
      expect(Math.abs(start - topStart)).toBeLessThan(0.05);
    }

    // Poster, sprite sheet with its track at the pipeline's spacing, chat track, MP4 with its index first.
    const poster = await ffprobe(path.join(media, m.poster));
    expect(poster.streams[0]!.width).toBe(1280);
    const plan = planSprite(duration);
    const sprite = await ffprobe(path.join(media, m.sprite));
    expect([sprite.streams[0]!.width, sprite.streams[0]!.height]).toEqual([plan.columns * plan.tileWidth, plan.rows * plan.tileHeight]);
    const cues = readFileSync(path.join(media, m.thumbnailsVtt), 'utf8').split('\n').filter((l) => l.includes('#xywh='));
    expect(cues.length).toBeGreaterThanOrEqual(plan.count - 1);
    expect(readFileSync(path.join(media, m.chatVtt), 'utf8')).toContain('A question while the ladder is made');
    expect(readFileSync(path.join(media, m.chatJson), 'utf8')).toContain('A question while the ladder is made');
    const mp4File = path.join(media, m.mp4);
    const boxes = topLevelBoxes(mp4File);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    const mp4 = await ffprobe(mp4File);
    expect(Math.abs(Number(mp4.format.duration) - duration)).toBeLessThan(1);
    expect(mp4.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

    // Nothing is left for processing: the queue stays idle, no processing job ever ran, the renditions stay as made.
    const segmentTime = statSync(path.join(hls, '480p', topSegments[0]!)).mtimeMs;
    await waitForIdleJobs(t.url);
    expect(await jobAttempts(t, 'process-recording')).toBe(0);
    expect(statSync(path.join(hls, '480p', topSegments[0]!)).mtimeMs).toBe(segmentTime);
    const events = await t.api<{ items: Array<{ to: string; reason: string }> }>('GET', `/api/v1/recordings/${recId}/events`);
    expect(events.body.items.at(-1)).toMatchObject({ to: 'ready', reason: expect.stringMatching(/every rendition/) });
    expect(readdirSync(path.join(t.dataDir, 'live', 'recordings'))).toEqual([]);
  }, 120_000);

  it('AULA_LIVE_LADDER=top records only the top rung live, says why in the recording history, and processing makes the rest', async () => {
    t = await startAula({ AULA_LIVE_LADDER: 'top' });
    running = await startRecordedClass(t, 'Top rung class');
    const { recId } = running;
    const hls = path.join(t.dataDir, 'media', 'recordings', recId, 'hls');
    await waitFor('three top-rung segments', () => existsSync(path.join(hls, '720p', 'index.m3u8')) && segmentsOf(path.join(hls, '720p', 'index.m3u8')).length >= 3, 40_000, 250);
    expect(existsSync(path.join(hls, '480p'))).toBe(false);

    const { rec, readyAfter } = await endAndWaitReady(t, running);
    expect(readyAfter).toBeLessThan(5);
    expect(rec.outputs?.renditions.map((r) => r.name)).toEqual(['720p']);
    expect(rec.outputs?.mp4).toBe(false);
    const events = await t.api<{ items: Array<{ to: string; reason: string }> }>('GET', `/api/v1/recordings/${recId}/events`);
    expect(events.body.items.find((e) => e.to === 'ready')?.reason).toMatch(/720p only.*AULA_LIVE_LADDER=top/);
    // Viewers and caches were told the live segments never change: processing adds rungs and leaves these alone.
    const liveTopRung = filesWithHashes(path.join(hls, '720p'));
    expect(Object.keys(liveTopRung).filter((f) => f.endsWith('.ts')).length).toBeGreaterThanOrEqual(3);

    const done = await waitFor('processing to finish', async () => {
      const r = (await t!.api<Rec>('GET', `/api/v1/recordings/${recId}`)).body;
      return r.progress?.stage === 'done' ? r : null;
    }, 90_000, 250);
    expect(done.outputs?.renditions.map((r) => r.name).sort()).toEqual(['360p', '480p', '720p', 'audio']);
    expect(done.outputs?.mp4).toBe(true);
    expect(await jobAttempts(t, 'process-recording')).toBeGreaterThan(0);
    expect(filesWithHashes(path.join(hls, '720p'))).toEqual(liveTopRung);
    expect(readFileSync(path.join(hls, 'master.m3u8'), 'utf8')).toContain('720p/index.m3u8');
  }, 150_000);
});
