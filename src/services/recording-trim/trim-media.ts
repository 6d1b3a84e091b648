import path from 'node:path';
import type { FfmpegRunner } from '../../adapters/media/ffmpeg-process';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { buildTrimSourceArgs } from '../../domain/media/ffmpeg-args/vod';
import { CONTENT_TYPES } from '../../domain/media/recording-layout';
import type { RecordingMediaProcessor } from '../media-processor';
import type { JobScratch } from '../providers/job-scratch';
import type { TrimMedia } from './precise-cut';

/** A precise cut's media work: FFmpeg on the stored source in the job's scratch folder, then the usual pipeline. */
export function createTrimMedia(deps: {
  storage: Pick<MediaStorage, 'localPathFor' | 'putFile'>;
  ffmpeg: Pick<FfmpegRunner, 'run'>;
  processor: RecordingMediaProcessor;
  scratch: JobScratch;
  /** A cut may take as long as a few times the window's own length. */
  timeoutFactor?: number;
}): TrimMedia {
  return {
    async cutSource({ sourceKey, window, targetKey, jobId, signal }) {
      await deps.scratch(jobId, async (dir) => {
        const local = await deps.storage.localPathFor(sourceKey, dir);
        try {
          const out = path.join(dir, 'cut.mp4');
          const seconds = window.endSeconds - window.startSeconds;
          await deps.ffmpeg.run(buildTrimSourceArgs(local.path, out, window), { signal, timeoutMs: Math.max(120_000, seconds * 1000 * (deps.timeoutFactor ?? 4)) });
          await deps.storage.putFile(targetKey, out, CONTENT_TYPES.mp4);
        } finally {
          await local.cleanup();
        }
      });
    },
    async process(input) {
      const noop = async () => undefined;
      return deps.processor.process(input, { onProgress: noop, onFirstPlayable: noop });
    },
  };
}
