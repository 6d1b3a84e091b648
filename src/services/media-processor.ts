import type { Logger } from 'pino';
import type { FfmpegRunner } from '../adapters/media/ffmpeg-process';
import type { ProbeMedia } from '../adapters/media/ffprobe';
import type { SidecarText } from '../adapters/sidecar-text/worker';
import type { MediaStorage } from '../adapters/storage/media-storage';
import type { RecordingMedia, RecordingMetadata, RecordingRendition } from '../domain/recording-media';
import { createMediaPipeline, isRetryable, type PipelineOutput } from './media-pipeline';

/** What this job needs from the media pipeline: source in storage → published HLS, images, MP4, chat. */
export interface RecordingMediaProcessor {
  process(
    input: { recordingId: string; sourceKey: string; chatKey: string | null; captionsKey: string | null; outputFolder?: string; kept?: readonly RecordingRendition[]; signal: AbortSignal },
    hooks: {
      onProgress(p: { stage: string; percent: number }): Promise<void>;
      onFirstPlayable(media: RecordingMedia, metadata: RecordingMetadata): Promise<void>;
    },
  ): Promise<{ media: RecordingMedia; metadata: RecordingMetadata }>;
  /** A failure worth trying again later (disk full, timeout) rather than a bad source. */
  isRetryable(err: unknown): boolean;
}

function toMedia(out: PipelineOutput, captionsKey: string | null): { media: RecordingMedia; metadata: RecordingMetadata } {
  return {
    media: {
      masterKey: out.masterKey,
      renditions: out.renditions.map((r) => ({ name: r.name, width: r.width ?? null, height: r.height ?? null, bandwidth: r.bandwidth, codecs: r.codecs, playlistKey: r.playlistKey })),
      posterKey: out.posterKey, spriteKey: out.spriteKey, thumbnailsVttKey: out.thumbnailsVttKey, mp4Key: out.mp4Key,
      chatVttKey: out.chatVttKey, chatJsonKey: out.chatJsonKey, captionsVttKey: captionsKey,
    },
    metadata: {
      durationSeconds: out.metadata.durationSeconds, width: out.metadata.width ?? null, height: out.metadata.height ?? null,
      videoCodec: out.metadata.videoCodec ?? null, audioCodec: out.metadata.audioCodec ?? null, bitRate: out.metadata.bitRate ?? null, sizeBytes: out.metadata.sizeBytes ?? null,
    },
  };
}

/** Binds the media pipeline to the recording job's needs. */
export function createMediaProcessor(deps: {
  storage: MediaStorage; ffmpeg: Pick<FfmpegRunner, 'run'>; probe: ProbeMedia; scratchDir: string; logger: Logger;
  onFfmpegRun?: (stage: string, mediaSeconds: number, wallSeconds: number) => void;
  sidecarText?: Pick<SidecarText, 'prepareChat'>;
}): RecordingMediaProcessor {
  const sidecarText = deps.sidecarText;
  const pipeline = createMediaPipeline({
    storage: deps.storage, ffmpeg: deps.ffmpeg, probe: deps.probe, scratchDir: deps.scratchDir, logger: deps.logger, onFfmpegRun: deps.onFfmpegRun,
    prepareChat: sidecarText && ((bytes) => sidecarText.prepareChat(bytes, null)),
  });
  return {
    async process(input, hooks) {
      const out = await pipeline.process(
        { recordingId: input.recordingId, sourceKey: input.sourceKey, chatKey: input.chatKey, outputFolder: input.outputFolder, kept: input.kept, signal: input.signal },
        {
          onProgress: (p) => hooks.onProgress(p),
          onFirstPlayable: async (first) => {
            const { media, metadata } = toMedia(first, input.captionsKey);
            await hooks.onFirstPlayable(media, metadata);
          },
        },
      );
      return toMedia(out, input.captionsKey);
    },
    isRetryable,
  };
}
