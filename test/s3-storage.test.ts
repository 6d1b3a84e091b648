import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegRunner, runFfmpeg } from '../src/adapters/media/ffmpeg-process';
import { probeMedia } from '../src/adapters/media/ffprobe';
import { StorageObjectNotFound } from '../src/adapters/storage/media-storage';
import { S3MediaStorage } from '../src/adapters/storage/s3-storage';
import { parseMediaPlaylist } from '../src/domain/media/hls';
import { createMediaPipeline, MediaProcessingFailed } from '../src/services/media-pipeline';

/** The parts of @20minutes/s3rver (an untyped CommonJS module) this test uses. */
interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rverServer;

const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverConstructor;
const BUCKET = 'aula-media';

let root: string;
let server: S3rverServer;
let storage: S3MediaStorage;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aula-s3-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(root, 's3rver'),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  storage = new S3MediaStorage({
    endpoint: `http://127.0.0.1:${port}`,
    bucket: BUCKET,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  });
  // s3rver checks bucket-level signatures against `/bucket` while the SDK signs `/bucket/`.
  storage.client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: unknown };
      if (request.path === `/${BUCKET}/`) request.path = `/${BUCKET}`;
      return next(args);
    },
    { step: 'build', name: 's3rverBucketPath' },
  );
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

describe('S3 media storage', () => {
  it('uploads a file larger than one part as a multipart upload and serves byte ranges of it', async () => {
    const file = path.join(root, 'big.bin');
    const bytes = randomBytes(12 * 1024 * 1024);
    await writeFile(file, bytes);
    const commands: string[] = [];
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName) commands.push(context.commandName);
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    try {
      await storage.putFile('recordings/big/source.bin', file, 'application/octet-stream');
    } finally {
      storage.client.middlewareStack.remove('recordCommands');
    }

    // Streamed from disk in two 8 MiB parts, then completed; the local file is consumed.
    expect(commands).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    await expect(readFile(file)).rejects.toThrow();
    expect((await storage.stat('recordings/big/source.bin'))?.size).toBe(bytes.length);

    const start = 5 * 1024 * 1024 - 10;
    const slice = await readAll(await storage.read('recordings/big/source.bin', { start, end: start + 99 }));
    expect(slice.equals(bytes.subarray(start, start + 100))).toBe(true);

    expect(await storage.list('recordings/big/')).toEqual(['recordings/big/source.bin']);
    expect(await storage.deletePrefix('recordings/big/')).toBe(1);
    expect(await storage.stat('recordings/big/source.bin')).toBeNull();
    await expect(storage.read('recordings/big/source.bin')).rejects.toBeInstanceOf(StorageObjectNotFound);
  });

  it('runs the media pipeline against S3: renditions, master and downloads land in the bucket', async () => {
    const src = path.join(root, 'class.mp4');
    await runFfmpeg([
      '-hide_banner', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=s=854x480:r=30:d=6',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:d=6',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-ac', '2', '-shortest', '-movflags', '+faststart', src,
    ]);
    const sourceProbe = await probeMedia(src);
    await storage.putFile('recordings/s3rec/source.mp4', src, 'video/mp4');

    const scratchDir = path.join(root, 'scratch');
    await mkdir(scratchDir, { recursive: true });
    const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger: pino({ level: 'silent' }) });
    let firstPlayable: string[] = [];
    const out = await pipeline.process(
      { recordingId: 's3rec', sourceKey: 'recordings/s3rec/source.mp4' },
      {
        onProgress: () => undefined,
        onFirstPlayable: (r) => {
          firstPlayable = r.renditions.map((x) => x.name);
        },
      },
    );
    expect(firstPlayable).toEqual(['480p']);
    expect(out.renditions.map((r) => r.name).sort()).toEqual(['360p', '480p', 'audio']);

    const keys = await storage.list('recordings/s3rec/');
    for (const key of ['hls/master.m3u8', 'hls/480p/index.m3u8', 'hls/360p/seg_00000.ts', 'download.mp4', 'poster.jpg', 'sprite.jpg', 'thumbnails.vtt']) {
      expect(keys).toContain(`recordings/s3rec/${key}`);
    }
    const master = (await readAll(await storage.read(out.masterKey))).toString('utf8');
    expect(master.match(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+/g)).toHaveLength(3);

    const playlist = parseMediaPlaylist((await readAll(await storage.read('recordings/s3rec/hls/360p/index.m3u8'))).toString('utf8'));
    const total = playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0);
    expect(Math.abs(total - (sourceProbe.durationSeconds ?? 0))).toBeLessThanOrEqual(0.1);

    // A range read of a segment returns MPEG-TS packets (sync byte 0x47 every 188 bytes).
    const packets = await readAll(await storage.read('recordings/s3rec/hls/360p/seg_00000.ts', { start: 188, end: 188 * 3 - 1 }));
    expect(packets.length).toBe(376);
    expect(packets[0]).toBe(0x47);
    expect(packets[188]).toBe(0x47);

    // ffmpeg input from S3 goes through a scratch copy that is removed afterwards.
    const local = await storage.localPathFor(out.mp4Key ?? '', scratchDir);
    const mp4 = await probeMedia(local.path);
    expect(mp4.video?.codec).toBe('h264');
    expect(mp4.audio?.codec).toBe('aac');
    await local.cleanup();
    expect(await readdir(scratchDir)).toEqual([]);
  });

  it('a failed job on S3 leaves only the source in the bucket', async () => {
    await storage.putBuffer('recordings/s3bad/source.mp4', 'not a video at all\n'.repeat(10));
    // Leftovers of an earlier attempt are removed too.
    await storage.putBuffer('recordings/s3bad/hls/master.m3u8', '#EXTM3U\n');
    const scratchDir = path.join(root, 'scratch-bad');
    const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir, logger: pino({ level: 'silent' }) });
    const err = await pipeline.process({ recordingId: 's3bad', sourceKey: 'recordings/s3bad/source.mp4' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaProcessingFailed);
    expect((err as Error).message).toMatch(/^no video or audio stream found/);
    expect(await storage.list('recordings/s3bad/')).toEqual(['recordings/s3bad/source.mp4']);
    expect(await readdir(scratchDir)).toEqual([]);
  });
});
