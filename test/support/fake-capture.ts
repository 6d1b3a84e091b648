import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Chromium plays an MJPEG file for its fake camera at this rate, whatever the file says. */
export const FAKE_CAPTURE_FPS = 30;

/** The grey levels of the ramp picture at the start and the end of a period. */
export const RAMP_LOW = 40;
export const RAMP_HIGH = 200;

export interface FakeCaptureFiles {
  video: string;
  audio: string;
  /** Seconds between flashes (and beeps); both fall on the start of each period. */
  period: number;
  /** Chromium flags that make its fake camera and microphone play these files. */
  args: string[];
}

/**
 * Test media for Chromium's fake devices: a moving picture (with noise, so an encoder needs its whole budget)
 * that turns white for two frames at the start of each period, and silence with a 1 kHz beep of 60 ms on the
 * same instants. The files loop in Chromium, each on its own.
 */
export async function makeFlashBeepMedia(dir: string, opts: { width?: number; height?: number; seconds?: number; period?: number; noise?: number; ramp?: boolean } = {}): Promise<FakeCaptureFiles> {
  const width = opts.width ?? 1280;
  const height = opts.height ?? 720;
  const period = opts.period ?? 2;
  const seconds = opts.seconds ?? period * 2;
  const video = path.join(dir, `flash-${width}x${height}.mjpeg`);
  const audio = path.join(dir, 'beep.wav');
  const flash = `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(n\\,${period * FAKE_CAPTURE_FPS})\\,2)'`;
  const filters = [opts.noise ? `noise=alls=${opts.noise}:allf=t` : null, flash].filter(Boolean).join(',');
  // With `ramp` the picture is a plain grey that brightens steadily through each period: any frame tells how far
  // into its period it was captured, so the flash instant is known even when frames are dropped.
  const source = opts.ramp
    ? `color=c=black:size=${width}x${height}:rate=${FAKE_CAPTURE_FPS}:duration=${seconds},geq=lum='${RAMP_LOW}+${RAMP_HIGH - RAMP_LOW}*mod(N\\,${period * FAKE_CAPTURE_FPS})/${period * FAKE_CAPTURE_FPS}':cb=128:cr=128`
    : `testsrc2=size=${width}x${height}:rate=${FAKE_CAPTURE_FPS}:duration=${seconds}`;
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', source, '-vf', filters, '-c:v', 'mjpeg', '-q:v', '6', '-f', 'mjpeg', video], { timeout: 120_000 });
  const beep = `aevalsrc='if(lt(mod(t\\,${period})\\,0.06)\\,0.8*sin(2*PI*1000*t)\\,0)':s=48000:d=${seconds}`;
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', beep, '-ac', '1', '-c:a', 'pcm_s16le', audio], { timeout: 60_000 });
  return { video, audio, period, args: [`--use-file-for-fake-video-capture=${video}`, `--use-file-for-fake-audio-capture=${audio}`] };
}
