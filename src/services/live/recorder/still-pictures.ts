/**
 * The current picture of a source that has stopped sending, as a keyframe of its own. A canvas or window with
 * nothing new on it sends nothing after its last delta frame, and cannot answer a keyframe request until it
 * changes; the recorder then holds it on screen by repeating a keyframe. Its own last keyframe may be seconds
 * older than what students see, so the frames since that keyframe are decoded and the last picture is encoded
 * again, alone. A keyframe decodes the same whatever came before it, which a frame made to "change nothing"
 * against a decoder state it does not know cannot promise.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FfmpegRunner } from '../../../adapters/media/ffmpeg-process';
import { buildStillKeyframeArgs } from '../../../domain/media/ffmpeg-args/still';
import { ivfFile, ivfFrames, vp8KeyframeSize } from '../../../domain/media/ivf';

// At the live encoder's priority: a still is a short burst (a decode of at most a few seconds of frames), and one
// that comes late shows an older picture. Made nicer, it waited many seconds for CPU on a busy machine.
const STILL_NICENESS = 0;
const STILL_TIMEOUT_MS = 20_000;

export interface StillPictureMaker {
  /** A VP8 keyframe of the picture `frames` (a keyframe, then the delta frames after it) end on; null if none can be made. */
  make(frames: readonly Buffer[]): Promise<Buffer | null>;
}

export class StillPictures implements StillPictureMaker {
  constructor(
    private readonly ffmpeg: Pick<FfmpegRunner, 'run'>,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  async make(frames: readonly Buffer[]): Promise<Buffer | null> {
    const size = frames[0] ? vp8KeyframeSize(frames[0]) : null;
    if (!size) return null;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aula-still-'));
    try {
      const input = path.join(dir, 'frames.ivf');
      const output = path.join(dir, 'still.ivf');
      await writeFile(input, ivfFile(size.width, size.height, frames));
      await this.ffmpeg.run(buildStillKeyframeArgs(input, output, frames.length), { timeoutMs: STILL_TIMEOUT_MS, niceness: STILL_NICENESS });
      const [still] = ivfFrames(await readFile(output));
      const stillSize = still ? vp8KeyframeSize(still) : null;
      if (!still || stillSize?.width !== size.width || stillSize.height !== size.height) throw new Error(`no ${size.width}x${size.height} keyframe was made`);
      return Buffer.from(still);
    } catch (err) {
      this.onFailure(err);
      return null;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
