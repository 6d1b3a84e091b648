import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegRunner, runFfmpeg } from '../src/adapters/media/ffmpeg-process';
import { probeMedia } from '../src/adapters/media/ffprobe';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { parseMediaPlaylist } from '../src/domain/media/hls';
import type { MediaProbe } from '../src/domain/media/probe';
import {
  createMediaPipeline,
  isRetryable,
  MediaProcessingFailed,
  type PipelineOutput,
  type PipelineProgress,
} from '../src/services/media-pipeline';

const logger = pino({ level: 'silent' });
let root: string;
let storage: LocalMediaStorage;
let scratchDir: string;
let fixtures: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aula-pipeline-'));
  storage = new LocalMediaStorage(path.join(root, 'media'));
  scratchDir = path.join(root, 'scratch');
  fixtures = path.join(root, 'fixtures');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Test media from ffmpeg's generators: a moving test card and a tone. */
async function makeMedia(name: string, opts: { seconds: number; size?: string; fps?: number; video?: string[]; audio?: string[]; extra?: string[] }): Promise<string> {
  const file = path.join(fixtures, name);
  await mkdir(fixtures, { recursive: true });
  const args = ['-hide_banner', '-v', 'error', '-y'];
  if (opts.video) args.push('-f', 'lavfi', '-i', `testsrc2=s=${opts.size ?? '320x240'}:r=${opts.fps ?? 30}:d=${opts.seconds}`);
  if (opts.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:d=${opts.seconds}`);
  args.push(...(opts.video ?? ['-vn']), ...(opts.audio ?? ['-an']), ...(opts.extra ?? []), file);
  await runFfmpeg(args);
  return file;
}

async function putSource(recordingId: string, file: string): Promise<string> {
  const key = `recordings/${recordingId}/source${path.extname(file)}`;
  const copy = `${file}.${recordingId}.upload`;
  await writeFile(copy, await readFile(file));
  await storage.putFile(key, copy);
  return key;
}

/** Top-level MP4 box types in file order. */
async function topLevelAtoms(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const types: string[] = [];
    let offset = 0;
    const header = Buffer.alloc(16);
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - offset;
      types.push(type);
      if (boxSize < 8) break;
      offset += boxSize;
    }
    return types;
  } finally {
    await handle.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  }
  await walk(dir);
  return out.sort();
}

interface Expected {
  /** Video rendition heights, any order. */
  heights: number[];
  audioRendition: boolean;
  audioChannels?: number;
}

/** Checks what a viewer would get: every rendition, the master, the MP4, the images. */
async function expectPublished(out: PipelineOutput, source: MediaProbe, expected: Expected): Promise<void> {
  const sourceSeconds = source.durationSeconds ?? out.metadata.durationSeconds ?? 0;
  const videoRenditions = out.renditions.filter((r) => r.height !== null);
  expect(videoRenditions.map((r) => r.height).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...expected.heights].sort((a, b) => a - b));
  expect(out.renditions.some((r) => r.height === null)).toBe(expected.audioRendition);

  const master = await readFile(storage.pathFor(out.masterKey), 'utf8');
  expect(master.startsWith('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n')).toBe(true);
  const streamInfs = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  expect(streamInfs).toHaveLength(out.renditions.length);

  for (const r of out.renditions) {
    const uri = `${r.name}/index.m3u8`;
    const lines = master.split('\n');
    const inf = lines[lines.indexOf(uri) - 1] ?? '';
    expect(inf).toMatch(/^#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+/);
    if (r.height !== null) {
      expect(inf).toContain(`RESOLUTION=${r.width}x${r.height}`);
      expect(inf).toMatch(/CODECS="avc1\.[0-9a-f]{6}(,mp4a\.40\.\d+)?"/);
    } else {
      expect(inf).toContain('CODECS="mp4a.40.2"');
      expect(inf).not.toContain('RESOLUTION');
    }

    const playlist = parseMediaPlaylist(await readFile(storage.pathFor(r.playlistKey), 'utf8'));
    expect(playlist.ended).toBe(true);
    const durations = playlist.segments.map((s) => s.durationSeconds);
    for (const d of durations.slice(0, -1)) expect(Math.abs(d - 4)).toBeLessThan(0.1);
    const total = durations.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - sourceSeconds)).toBeLessThanOrEqual(0.1);

    const firstSegment = playlist.segments[0];
    expect(firstSegment).toBeDefined();
    const seg = await probeMedia(storage.pathFor(r.playlistKey.replace(/index\.m3u8$/, firstSegment?.uri ?? '')));
    if (r.height !== null) {
      expect(seg.video?.codec).toBe('h264');
      expect(seg.video?.height).toBe(r.height);
    } else {
      expect(seg.video).toBeUndefined();
    }
    if (source.audio) {
      expect(seg.audio?.codec).toBe('aac');
      if (expected.audioChannels) expect(seg.audio?.channels).toBe(expected.audioChannels);
    }
  }

  expect(out.mp4Key).not.toBeNull();
  const mp4Path = storage.pathFor(out.mp4Key ?? '');
  const atoms = await topLevelAtoms(mp4Path);
  expect(atoms.indexOf('moov')).toBeGreaterThanOrEqual(0);
  expect(atoms.indexOf('moov')).toBeLessThan(atoms.indexOf('mdat'));
  const mp4 = await probeMedia(mp4Path);
  if (source.video) expect(mp4.video?.codec).toBe('h264');
  if (source.audio) expect(mp4.audio?.codec).toBe('aac');
  expect(Math.abs((mp4.durationSeconds ?? 0) - sourceSeconds)).toBeLessThanOrEqual(0.15);

  if (source.video) {
    for (const key of [out.posterKey, out.spriteKey, out.thumbnailsVttKey]) {
      expect(key).not.toBeNull();
      expect((await stat(storage.pathFor(key ?? ''))).size).toBeGreaterThan(0);
    }
    const poster = await probeMedia(storage.pathFor(out.posterKey ?? ''));
    expect(poster.video?.codec).toBe('mjpeg');
    const vtt = await readFile(storage.pathFor(out.thumbnailsVttKey ?? ''), 'utf8');
    expect(vtt).toMatch(/^WEBVTT\n/);
    expect(vtt).toContain('sprite.jpg#xywh=0,0,160,90');
  } else {
    expect(out.posterKey).toBeNull();
    expect(out.spriteKey).toBeNull();
  }
  // Scratch work is gone after a successful run too.
  expect(await filesUnder(scratchDir)).toEqual([]);
}

async function run(recordingId: string, sourceKey: string, extra: { chatKey?: string; quickStartMinSeconds?: number } = {}) {
  const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger, quickStartMinSeconds: extra.quickStartMinSeconds });
  const progress: PipelineProgress[] = [];
  const started = Date.now();
  let firstPlayable: { at: number; output: PipelineOutput; master: string } | null = null;
  const out = await pipeline.process(
    { recordingId, sourceKey, chatKey: extra.chatKey ?? null },
    {
      onProgress: (p) => {
        progress.push(p);
      },
      onFirstPlayable: async (r) => {
        firstPlayable = { at: Date.now() - started, output: r, master: await readFile(storage.pathFor(r.masterKey), 'utf8') };
      },
    },
  );
  return { out, progress, firstPlayable: firstPlayable as { at: number; output: PipelineOutput; master: string } | null, totalMs: Date.now() - started };
}

async function expectFailure(recordingId: string, sourceKey: string, message: RegExp): Promise<MediaProcessingFailed> {
  const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger });
  const err = await pipeline.process({ recordingId, sourceKey }, { onProgress: () => undefined, onFirstPlayable: () => undefined }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MediaProcessingFailed);
  const failure = err as MediaProcessingFailed;
  expect(failure.message).toMatch(message);
  // Only the source is left in storage, and the scratch directory is empty.
  expect(await storage.list(`recordings/${recordingId}/`)).toEqual([sourceKey]);
  expect(await filesUnder(scratchDir)).toEqual([]);
  return failure;
}

describe('media pipeline on local storage', () => {
  it('an H.264/AAC 720p MP4 is playable from a stream copy before the ladder is encoded', async () => {
    const file = await makeMedia('class.mp4', {
      seconds: 8,
      size: '1280x720',
      video: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p'],
      audio: ['-c:a', 'aac', '-ac', '2', '-b:a', '128k'],
      extra: ['-shortest', '-movflags', '+faststart'],
    });
    const sourceKey = await putSource('mp4720', file);
    const chatKey = 'recordings/mp4720/chat-source.jsonl';
    await storage.putBuffer(
      chatKey,
      [
        JSON.stringify({ t: 1, author: 'Ana', text: 'Hello <class>' }),
        'not json',
        JSON.stringify({ time: 3.5, author: 'Ben', text: 'A & B' }),
      ].join('\n'),
    );
    const source = await probeMedia(storage.pathFor(sourceKey));

    const { out, progress, firstPlayable, totalMs } = await run('mp4720', sourceKey, { chatKey });

    // The first playable moment lists only the copied 720p rung: its codec is the source's own
    // Constrained Baseline, which the ladder's libx264 High profile never produces.
    expect(firstPlayable).not.toBeNull();
    expect(firstPlayable?.output.renditions.map((r) => r.name)).toEqual(['720p']);
    expect(firstPlayable?.output.renditions[0]?.codecs).toBe('avc1.42c01f,mp4a.40.2');
    expect(firstPlayable?.output.mp4Key).toBeNull();
    expect(firstPlayable?.master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(1);
    // Playable before the ladder is done; how soon, in seconds, is bench/time-to-playable.ts's to measure.
    expect(firstPlayable?.at ?? Infinity).toBeLessThan(totalMs);
    console.log(`720p MP4: playable from the stream copy after ${firstPlayable?.at} ms, the whole ladder after ${totalMs} ms`);

    await expectPublished(out, source, { heights: [720, 480, 360], audioRendition: true, audioChannels: 2 });
    const encoded = out.renditions.filter((r) => r.name === '480p' || r.name === '360p');
    for (const r of encoded) expect(r.codecs).toMatch(/^avc1\.6400[0-9a-f]{2},mp4a\.40\.2$/);

    // Master order: video by bandwidth ascending, audio-only last.
    const master = await readFile(storage.pathFor(out.masterKey), 'utf8');
    const uris = master.split('\n').filter((l) => l.endsWith('index.m3u8'));
    expect(uris).toEqual(['360p/index.m3u8', '480p/index.m3u8', '720p/index.m3u8', 'audio/index.m3u8']);

    // Chat: the invalid line is skipped; cues carry the speaker, escaped.
    const vtt = await readFile(storage.pathFor(out.chatVttKey ?? ''), 'utf8');
    expect(vtt).toContain('00:00:01.000 --> 00:00:03.500\n<v Ana>Hello &lt;class&gt;');
    expect(vtt).toContain('00:00:03.500 --> 00:00:07.500\n<v Ben>A &amp; B');
    expect((await readFile(storage.pathFor(out.chatJsonKey ?? ''), 'utf8')).trim().split('\n')).toHaveLength(2);

    const stages = progress.map((p) => p.stage);
    expect(stages.indexOf('fast-path')).toBeLessThan(stages.indexOf('ladder'));
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
    // Inputs are untouched.
    expect(await storage.stat(sourceKey)).not.toBeNull();
    expect(await storage.stat(chatKey)).not.toBeNull();
  });

  it('a VP8/Opus WebM without a duration (like a browser recording) becomes an H.264/AAC ladder', async () => {
    const file = await makeMedia('webrtc.webm', {
      seconds: 6,
      size: '854x480',
      video: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M'],
      audio: ['-c:a', 'libopus', '-ac', '2'],
      // Written as a live stream: no duration in the header, as MediaRecorder leaves it.
      extra: ['-live', '1'],
    });
    const probe = await probeMedia(file);
    expect(probe.durationSeconds).toBeNull();
    const sourceKey = await putSource('vp8', file);
    const { out, firstPlayable } = await run('vp8', sourceKey);
    expect(firstPlayable).not.toBeNull();
    expect(Math.abs((out.metadata.durationSeconds ?? 0) - 6)).toBeLessThanOrEqual(0.1);
    await expectPublished(out, probe, { heights: [480, 360], audioRendition: true, audioChannels: 2 });
    expect(out.renditions.find((r) => r.name === '480p')?.width).toBe(854);
  });

  it('a long VP8/Opus WebM plays from its smallest rung, encoded first, long before the ladder is done', async () => {
    // "Long" is the pipeline's quick-start threshold, lowered here so that a short clip proves the same thing.
    const file = await makeMedia('long-webrtc.webm', {
      seconds: 10,
      size: '854x480',
      video: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k'],
      audio: ['-c:a', 'libopus', '-ac', '2'],
    });
    const probe = await probeMedia(file);
    const sourceKey = await putSource('vp8long', file);
    const { out, firstPlayable, totalMs } = await run('vp8long', sourceKey, { quickStartMinSeconds: 8 });
    expect(firstPlayable?.output.renditions.map((r) => r.name)).toEqual(['360p']);
    expect(firstPlayable?.master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(1);
    expect(firstPlayable?.output.mp4Key).toBeNull();
    expect(firstPlayable?.at ?? Infinity).toBeLessThan(totalMs * 0.7);
    // The rung made first is the ladder's own: same codec profile, 4 s segments, and the ladder does not make it twice.
    await expectPublished(out, probe, { heights: [480, 360], audioRendition: true, audioChannels: 2 });
    expect(out.renditions.filter((r) => r.name === '360p')).toHaveLength(1);
    for (const r of out.renditions.filter((x) => x.height)) expect(r.codecs).toMatch(/^avc1\.6400[0-9a-f]{2},mp4a\.40\.2$/);
  }, 120_000);

  it('a small VP9/Opus WebM gets one rendition at its own size', async () => {
    const file = await makeMedia('small.webm', {
      seconds: 6,
      size: '320x240',
      fps: 25,
      video: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k'],
      audio: ['-c:a', 'libopus', '-ac', '2'],
    });
    const sourceKey = await putSource('vp9', file);
    const { out } = await run('vp9', sourceKey);
    await expectPublished(out, await probeMedia(file), { heights: [240], audioRendition: true });
    expect(out.renditions.find((r) => r.height === 240)?.width).toBe(320);
  });

  it('an MKV with MPEG-4 video and mono MP3 keeps mono audio', async () => {
    const file = await makeMedia('lecture.mkv', {
      seconds: 6,
      size: '640x360',
      fps: 25,
      video: ['-c:v', 'mpeg4', '-q:v', '5'],
      audio: ['-c:a', 'libmp3lame', '-ac', '1', '-b:a', '96k'],
    });
    const sourceKey = await putSource('mkv', file);
    const { out } = await run('mkv', sourceKey);
    await expectPublished(out, await probeMedia(file), { heights: [360], audioRendition: true, audioChannels: 1 });
  });

  it('an audio-only M4A gets only the audio rendition and an audio MP4', async () => {
    const file = await makeMedia('talk.m4a', { seconds: 6, audio: ['-c:a', 'aac', '-ac', '2', '-b:a', '128k'] });
    const sourceKey = await putSource('m4a', file);
    const { out, firstPlayable } = await run('m4a', sourceKey);
    expect(firstPlayable?.output.renditions.map((r) => r.name)).toEqual(['audio']);
    await expectPublished(out, await probeMedia(file), { heights: [], audioRendition: true, audioChannels: 2 });
    expect(out.metadata.videoCodec).toBeNull();
    expect(out.metadata.audioCodec).toBe('aac');
  });

  it('a cut-off MP4 fails with the time it was truncated at and leaves only the source', async () => {
    const file = await makeMedia('cut.mp4', {
      seconds: 8,
      size: '320x240',
      video: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30'],
      audio: ['-c:a', 'aac', '-ac', '2'],
      extra: ['-shortest', '-movflags', '+faststart'],
    });
    const bytes = await readFile(file);
    const cut = path.join(fixtures, 'cut-half.mp4');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const sourceKey = await putSource('truncated', cut);
    const failure = await expectFailure('truncated', sourceKey, /^input truncated at 00:00:0[1-6]\b/);
    expect(failure.reason).toBe('truncated');
    expect(isRetryable(failure)).toBe(false);
  });

  it('an MP4 whose index was never written fails as truncated at the start', async () => {
    const file = await makeMedia('unfinished.mp4', {
      seconds: 4,
      size: '320x240',
      video: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    });
    const bytes = await readFile(file);
    const cut = path.join(fixtures, 'unfinished-cut.mp4');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const sourceKey = await putSource('nomoov', cut);
    await expectFailure('nomoov', sourceKey, /^input truncated at 00:00:00/);
  });

  it('a text file named .mp4 fails with "no video or audio stream found"', async () => {
    const file = path.join(fixtures, 'notes.mp4');
    await writeFile(file, 'These are my lecture notes, not a video.\n'.repeat(20));
    const sourceKey = await putSource('text', file);
    const failure = await expectFailure('text', sourceKey, /^no video or audio stream found/);
    expect(failure.reason).toBe('no-streams');
    expect(isRetryable(failure)).toBe(false);
  });

  it('refuses to start without room for about three times the source, and says how much', async () => {
    const file = await makeMedia('room.m4a', { seconds: 2, audio: ['-c:a', 'aac'] });
    const sourceKey = await putSource('disk', file);
    const size = (await stat(file)).size;
    const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger, freeDiskBytes: async () => size });
    const err = await pipeline.process({ recordingId: 'disk', sourceKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaProcessingFailed);
    expect((err as Error).message).toMatch(/^not enough free disk space: need [\d.]+ GB, have [\d.]+ GB$/);
    expect(isRetryable(err)).toBe(true);
    expect(await storage.stat(sourceKey)).not.toBeNull();
  });

  it('cancelling a job kills ffmpeg, removes partial output and is retryable', async () => {
    const file = await makeMedia('long.mp4', {
      seconds: 16,
      size: '854x480',
      video: ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60'],
      audio: ['-c:a', 'aac'],
      extra: ['-shortest'],
    });
    const sourceKey = await putSource('cancel', file);
    const controller = new AbortController();
    const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger });
    let publishedBeforeCancel = 0;
    const err = await pipeline
      .process(
        { recordingId: 'cancel', sourceKey, signal: controller.signal },
        {
          onFirstPlayable: async (r) => {
            publishedBeforeCancel = (await storage.list(`recordings/cancel/hls/`)).length;
            expect(r.renditions).toHaveLength(1);
          },
          onProgress: (p) => {
            if (p.stage === 'ladder' && p.percent > 12) controller.abort();
          },
        },
      )
      .catch((e: unknown) => e);
    expect(publishedBeforeCancel).toBeGreaterThan(2);
    expect(err).toBeInstanceOf(MediaProcessingFailed);
    expect((err as MediaProcessingFailed).reason).toBe('cancelled');
    expect(isRetryable(err)).toBe(true);
    expect(await storage.list('recordings/cancel/')).toEqual([sourceKey]);
    expect(await filesUnder(scratchDir)).toEqual([]);
  });
});
