import { execFile } from 'node:child_process';
import { type KeyObject, verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * What Cloudflare has for one video: an H.264/AAC MP4 (the downloads API's `default.mp4`) and an HLS rendition of it
 * (`manifest/video.m3u8`, a master naming `video_0.m3u8` and its `seg_N.ts`), made with real FFmpeg.
 */
export async function makeVideoMedia(dir: string, seconds: number): Promise<{ mp4: string; hlsDir: string }> {
  await mkdir(path.join(dir, 'manifest'), { recursive: true });
  const mp4 = path.join(dir, 'default.mp4');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=15:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart', mp4,
  ], { maxBuffer: 1 << 20 });
  const hlsDir = path.join(dir, 'manifest');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', mp4, '-c', 'copy', '-f', 'hls', '-hls_time', '4', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', path.join(hlsDir, 'seg_%d.ts'), path.join(hlsDir, 'video_0.m3u8'),
  ]);
  return { mp4, hlsDir };
}

export const MASTER_PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"\nvideo_0.m3u8\n';

/** The video uid a Stream signed token names: RS256 with one of the account's keys, not expired; null otherwise. */
export function verifiedTokenSubject(token: string, keys: ReadonlyMap<string, KeyObject>): string | null {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return null;
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string; kid: string };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { sub: string; exp: number };
    const key = keys.get(header.kid);
    if (header.alg !== 'RS256' || !key || !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return null;
    return claims.exp * 1000 < Date.now() ? null : claims.sub;
  } catch {
    return null;
  }
}

export function plain(res: http.ServerResponse, log: (s: number) => void, status: number, text: string) {
  log(status);
  res.writeHead(status, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end(text);
}

export async function sendFile(res: http.ServerResponse, log: (s: number) => void, file: string, type: string) {
  const info = await stat(file).catch(() => null);
  if (!info) return plain(res, log, 404, 'not found');
  log(200);
  res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'access-control-allow-origin': '*' });
  if (type.includes('mpegurl')) return res.end(await readFile(file));
  createReadStream(file).pipe(res);
}
