import { errnoCode } from '../../domain/errno';
import { FfmpegFailed } from '../../domain/media/ffmpeg-failure';
import { stderrShowsTruncation } from '../../domain/media/probe';
import { formatClock } from '../../domain/media/webvtt';
import { StorageObjectNotFound } from '../../domain/stored-objects';
import type { PipelineStage } from './types';
import { errorMessage } from '../../domain/error-text';

export type MediaFailureReason =
  | 'no-streams'
  | 'truncated'
  | 'disk-space'
  | 'timeout'
  | 'cancelled'
  | 'source-missing'
  | 'ffmpeg'
  | 'internal';

/** A failure a person can act on; `retryable` says whether running the same job again may succeed. */
export class MediaProcessingFailed extends Error {
  override name = 'MediaProcessingFailed';
  constructor(
    readonly reason: MediaFailureReason,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Disk space, timeouts, cancellation and unexpected I/O errors are worth retrying; bad input is not. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MediaProcessingFailed) return err.retryable;
  if (err instanceof FfmpegFailed) return err.kind !== 'exit' || err.exitSignal !== null;
  return true;
}

/** The source needs room for a downloaded copy, the renditions and the MP4. */
export const DISK_SPACE_FACTOR = 3;

export const STAGE_LABEL: Record<PipelineStage, string> = {
  probe: 'reading the source',
  'fast-path': 'copying the source into the first rendition',
  ladder: 'encoding the renditions',
  thumbnails: 'making the poster',
  mp4: 'making the MP4 download',
  chat: 'converting the chat',
  publish: 'publishing',
};

export function diskSpaceError(need: number, have: number, cause?: unknown): MediaProcessingFailed {
  return new MediaProcessingFailed('disk-space', `not enough free disk space: need ${gb(need)} GB, have ${gb(have)} GB`, true, { cause });
}

function gb(bytes: number): string {
  const value = bytes / 1e9;
  return value >= 10 ? value.toFixed(0) : value >= 0.1 ? value.toFixed(1) : value.toFixed(2);
}

/** What the job was doing when it failed, for a message a person can act on. */
export interface FailureContext {
  stage: PipelineStage;
  /** The caller cancelled the job. */
  cancelled: boolean;
  /** Furthest output position ffmpeg reported in the failing step. */
  lastOutSeconds: number;
  /** Storage keys the job reads (its source, its chat log). */
  inputs: ReadonlySet<string>;
  /** The free disk space error, measured now. */
  diskSpace(cause: unknown): Promise<MediaProcessingFailed>;
}

export async function toFailure(err: unknown, ctx: FailureContext): Promise<MediaProcessingFailed> {
  if (err instanceof MediaProcessingFailed) return err;
  const doing = STAGE_LABEL[ctx.stage];
  if (ctx.cancelled || (err instanceof FfmpegFailed && err.kind === 'aborted')) {
    return new MediaProcessingFailed('cancelled', `media processing was cancelled while ${doing}`, true, { cause: err });
  }
  if (err instanceof FfmpegFailed && err.kind === 'timeout') {
    return new MediaProcessingFailed('timeout', `ffmpeg took too long while ${doing} and was stopped`, true, { cause: err });
  }
  const noSpace = (err instanceof FfmpegFailed && /No space left on device/i.test(err.stderrTail)) || errnoCode(err) === 'ENOSPC';
  if (noSpace) return ctx.diskSpace(err);
  if (err instanceof FfmpegFailed && err.kind === 'exit') {
    if (stderrShowsTruncation(err.stderrTail)) {
      return new MediaProcessingFailed('truncated', `input truncated at ${formatClock(ctx.lastOutSeconds)}`, false, { cause: err });
    }
    return new MediaProcessingFailed('ffmpeg', `ffmpeg failed while ${doing}: ${err.message}`, err.exitSignal !== null, { cause: err });
  }
  if (err instanceof StorageObjectNotFound && ctx.inputs.has(err.key)) {
    return new MediaProcessingFailed('source-missing', `source file ${err.key} is missing from storage`, false, { cause: err });
  }
  const message = errorMessage(err);
  return new MediaProcessingFailed('internal', `media processing failed while ${doing}: ${message}`, true, { cause: err });
}
