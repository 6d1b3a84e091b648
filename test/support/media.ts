import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Generates real media with ffmpeg's test sources: a moving pattern and a tone. */
export async function makeTestVideo(file: string, opts: { seconds?: number; width?: number; height?: number; fps?: number; vcodec?: 'libx264' | 'libvpx' | 'libvpx-vp9'; acodec?: 'aac' | 'libopus'; audioOnly?: boolean } = {}): Promise<string> {
  const seconds = opts.seconds ?? 4;
  const size = `${opts.width ?? 320}x${opts.height ?? 180}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  if (!opts.audioOnly) args.push('-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${opts.fps ?? 25}:duration=${seconds}`);
  args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  if (!opts.audioOnly) {
    const vcodec = opts.vcodec ?? 'libx264';
    args.push('-c:v', vcodec);
    if (vcodec === 'libx264') args.push('-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String((opts.fps ?? 25) * 2));
    else args.push('-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k');
  }
  args.push('-c:a', opts.acodec ?? 'aac', '-shortest', file);
  await run('ffmpeg', args);
  return file;
}

/** Duration in seconds of a media file, HLS playlist or URL, as ffprobe reads its container. */
export async function mediaDuration(fileOrUrl: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', fileOrUrl], { timeout: 60_000 });
  return Number(stdout.trim());
}
