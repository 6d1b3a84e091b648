import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Upload } from './livekit-wire';

/**
 * What the emulated egress recorder writes: real H.264/AAC media made by FFmpeg from test sources (a moving picture
 * and a tone), as an MP4 (faststart) and/or HLS (`{prefix}_00000.ts` segments, an EVENT playlist and a live playlist
 * beside it), placed like LiveKit egress places them: into an S3 bucket, or into a directory shared with the egress
 * host when the output has no upload block.
 */

export interface MediaPicture {
  width: number;
  height: number;
  fps: number;
}

export interface MediaSpec {
  seconds: number;
  picture: MediaPicture;
  video: boolean;
  audio: boolean;
  /** Keyframe interval: HLS segments cut on them. */
  keyframeSeconds: number;
}

/** Where one object goes: a key in a bucket, or a path under the shared directory. */
export interface Destination {
  s3?: S3Upload;
  localOutputDir: string;
  /** Where the egress host mounts the shared directory: absolute output paths must lie under it. */
  mountPath?: string;
}

export interface PlacedObject {
  location: string;
  size: number;
}

export interface SegmentPlan {
  /** Template-expanded storage paths. */
  prefix: string;
  playlistPath: string;
  livePlaylistPath: string;
  segmentDuration: number;
  suffix: 'INDEX' | 'TIMESTAMP';
}

export interface SegmentResult {
  playlistLocation: string;
  livePlaylistLocation: string;
  segmentCount: number;
  size: number;
  durationSeconds: number;
}

/** Processes the emulator started, so that `close()` can kill them. */
export type ProcessSet = Set<ChildProcess>;

/** FFmpeg arguments for one MP4 of test media (pure: unit-checkable, run once). */
export function testMediaArgs(spec: MediaSpec, output: string): string[] {
  const { width, height, fps } = spec.picture;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  if (spec.video) args.push('-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`);
  if (spec.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', spec.seconds.toFixed(3));
  if (spec.video) {
    args.push('-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-b:v', '200k');
    args.push('-force_key_frames', `expr:gte(t,n_forced*${spec.keyframeSeconds})`, '-sc_threshold', '0');
  }
  if (spec.audio) args.push('-map', `${spec.video ? 1 : 0}:a`, '-c:a', 'aac', '-b:a', '48k', '-ac', '1');
  args.push('-movflags', '+faststart', '-f', 'mp4', output);
  return args;
}

export function runTracked(processes: ProcessSet, command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    processes.add(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', (err) => {
      processes.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      processes.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${signal ? `killed by ${signal}` : `exited ${code}`}: ${stderr.trim()}`));
    });
  });
}

const CONTENT_TYPES: Record<string, string> = { '.mp4': 'video/mp4', '.ts': 'video/MP2T', '.m3u8': 'application/x-mpegurl' };

/** `location` as egress reports it: always https for S3 (even for an http endpoint); the storage path for local output. */
function locationOf(key: string, dest: Destination): string {
  if (!dest.s3) return key;
  const host = dest.s3.endpoint ? dest.s3.endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '') : 's3.amazonaws.com';
  const objectKey = key.replace(/^\/+/, '');
  return dest.s3.forcePathStyle ? `https://${host}/${dest.s3.bucket}/${objectKey}` : `https://${dest.s3.bucket}.${host}/${objectKey}`;
}

/** A storage path inside the shared directory (absolute paths are taken relative to its mount point); refuses to leave it. */
export function localPathFor(key: string, localOutputDir: string, mountPath = '/'): string {
  const root = path.resolve(localOutputDir);
  const mount = path.posix.resolve(mountPath);
  if (key.startsWith('/') && key !== mount && !key.startsWith(mount === '/' ? '/' : `${mount}/`)) throw new Error(`path ${key} is outside the shared directory mounted at ${mount}`);
  const relative = key.startsWith('/') ? path.posix.relative(mount, key) : key;
  const target = path.resolve(root, relative);
  if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`path ${key} leaves the egress output directory`);
  return target;
}

/** Stores one finished file; local files appear atomically (copied beside, then renamed). */
export async function placeObject(file: string, key: string, dest: Destination): Promise<PlacedObject> {
  const { size } = await stat(file);
  if (dest.s3) {
    const s3 = dest.s3;
    const client = new S3Client({
      endpoint: s3.endpoint || undefined, region: s3.region || 'us-east-1', forcePathStyle: s3.forcePathStyle,
      credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secret, sessionToken: s3.sessionToken || undefined },
      // Plain signed PUTs, as S3-compatible stores (MinIO, s3rver) accept them.
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      await client.send(new PutObjectCommand({
        Bucket: s3.bucket, Key: key.replace(/^\/+/, ''), Body: createReadStream(file), ContentLength: size,
        ContentType: CONTENT_TYPES[path.extname(key)] ?? 'application/octet-stream', ContentDisposition: s3.contentDisposition || undefined,
        Metadata: s3.metadata, Tagging: s3.tagging || undefined,
      }));
    } finally {
      client.destroy();
    }
  } else {
    const target = localPathFor(key, dest.localOutputDir, dest.mountPath);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    await copyFile(file, partial);
    await rename(partial, target);
  }
  return { location: locationOf(key, dest), size };
}

interface Segment {
  file: string;
  seconds: number;
}

/** Cuts the MP4 into MPEG-TS segments (stream copy) and reads their durations from FFmpeg's own playlist. */
async function cutSegments(processes: ProcessSet, mp4: string, workDir: string, segmentDuration: number): Promise<Segment[]> {
  const dir = path.join(workDir, 'hls');
  await mkdir(dir, { recursive: true });
  const playlist = path.join(dir, 'cut.m3u8');
  await runTracked(processes, 'ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', mp4, '-c', 'copy', '-f', 'hls', '-hls_time', String(segmentDuration), '-hls_list_size', '0', '-hls_segment_filename', path.join(dir, 'cut_%05d.ts'), playlist]);
  const lines = (await readFile(playlist, 'utf8')).split('\n');
  const segments: Segment[] = [];
  let seconds = 0;
  for (const line of lines) {
    if (line.startsWith('#EXTINF:')) seconds = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.trim() !== '' && !line.startsWith('#')) segments.push({ file: path.join(dir, line.trim()), seconds });
  }
  if (segments.length === 0 || segments.length !== (await readdir(dir)).filter((f) => f.endsWith('.ts')).length) throw new Error('segmenter wrote an unexpected playlist');
  return segments;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const stamp = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}`;
};

/** An HLS media playlist over `segments`, starting at media sequence `first` (egress writes EVENT playlists). */
export function hlsPlaylist(entries: { uri: string; seconds: number; startMs: number }[], first: number, event: boolean): string {
  const target = Math.ceil(Math.max(1, ...entries.map((e) => e.seconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:4', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${first}`];
  if (event) lines.push('#EXT-X-PLAYLIST-TYPE:EVENT');
  for (const e of entries) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.startMs).toISOString()}`, `#EXTINF:${e.seconds.toFixed(3)},`, e.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** Segments that a live playlist keeps (a sliding window over the newest). */
const LIVE_WINDOW = 3;

/** Writes segments, then the playlist and the live playlist that point at them. */
export async function placeSegments(processes: ProcessSet, mp4: string, workDir: string, plan: SegmentPlan, startedAtMs: number, dest: Destination): Promise<SegmentResult> {
  const segments = await cutSegments(processes, mp4, workDir, plan.segmentDuration);
  const prefixDir = path.posix.dirname(plan.prefix);
  const prefixBase = path.posix.basename(plan.prefix);
  const rooted = (p: string) => `/${p.replace(/^\/+/, '')}`;
  const playlistDir = path.posix.dirname(rooted(plan.playlistPath));
  const entries: { uri: string; seconds: number; startMs: number }[] = [];
  let size = 0;
  let offsetMs = 0;
  for (const [index, segment] of segments.entries()) {
    const startMs = startedAtMs + offsetMs;
    const name = `${prefixBase}_${plan.suffix === 'INDEX' ? pad(index, 5) : stamp(startMs)}.ts`;
    const key = prefixDir === '.' ? name : path.posix.join(prefixDir, name);
    size += (await placeObject(segment.file, key, dest)).size;
    entries.push({ uri: path.posix.relative(playlistDir, rooted(key)), seconds: segment.seconds, startMs });
    offsetMs += segment.seconds * 1000;
  }
  const playlistFile = path.join(workDir, 'playlist.m3u8');
  await writeFile(playlistFile, hlsPlaylist(entries, 0, true));
  const playlist = await placeObject(playlistFile, plan.playlistPath, dest);
  let livePlaylistLocation = '';
  if (plan.livePlaylistPath) {
    const first = Math.max(0, entries.length - LIVE_WINDOW);
    const liveFile = path.join(workDir, 'live.m3u8');
    await writeFile(liveFile, hlsPlaylist(entries.slice(first), first, false));
    livePlaylistLocation = (await placeObject(liveFile, plan.livePlaylistPath, dest)).location;
  }
  return { playlistLocation: playlist.location, livePlaylistLocation, segmentCount: segments.length, size, durationSeconds: offsetMs / 1000 };
}
