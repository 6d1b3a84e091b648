import type { Logger } from 'pino';
import type { FfmpegRunner } from '../../adapters/media/ffmpeg-process';
import type { ProbeMedia } from '../../adapters/media/ffprobe';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import type { RecordingMedia, RecordingMetadata, RecordingRendition } from '../../domain/recording-media';

export type PipelineStage = 'probe' | 'fast-path' | 'ladder' | 'thumbnails' | 'mp4' | 'chat' | 'publish';

/** percent is the whole job's progress (0–100, never decreasing); stage is what runs now. */
export interface PipelineProgress {
  stage: PipelineStage;
  percent: number;
}

export interface PipelineRendition extends RecordingRendition {
  /** Peak segment bitrate (BANDWIDTH); averageBandwidth is AVERAGE-BANDWIDTH. */
  bandwidth: number;
  averageBandwidth: number;
}

/** What the pipeline published: the recording's media (captions are not its to make) plus probe metadata. */
export interface PipelineOutput extends Omit<RecordingMedia, 'renditions' | 'captionsVttKey' | 'mp4Key'> {
  metadata: RecordingMetadata;
  /** Published renditions, in the order they became playable. */
  renditions: PipelineRendition[];
  /** Always set in the final result; null only in the early onFirstPlayable snapshot. */
  mp4Key: string | null;
}

export interface PipelineInput {
  recordingId: string;
  sourceKey: string;
  chatKey?: string | null | undefined;
  /** A folder under the recording's prefix for every output (a trim's cut), instead of the recording's own keys. */
  outputFolder?: string | undefined;
  /** Renditions already published from this source (a native class's live rungs): kept as they are, never re-made. */
  kept?: readonly RecordingRendition[] | undefined;
  signal?: AbortSignal | undefined;
}

export interface PipelineHooks {
  onProgress(p: PipelineProgress): void | Promise<void>;
  /** After the first rendition and a master playlist listing it are published. */
  onFirstPlayable(r: PipelineOutput): void | Promise<void>;
}

export interface MediaPipelineDeps {
  storage: MediaStorage;
  /** Runs each FFmpeg step. */
  ffmpeg: Pick<FfmpegRunner, 'run'>;
  /** Reads the source and each finished rendition's first segment. */
  probe: ProbeMedia;
  scratchDir: string;
  logger: Logger;
  /**
   * Sources at least this long (seconds) that need two or more encoded rungs publish their smallest rung first;
   * QUICK_START_MIN_SECONDS unless given.
   */
  quickStartMinSeconds?: number | undefined;
  /** Per ffmpeg run; by default scaled to the source's duration. */
  ffmpegTimeoutMs?: number | undefined;
  /** Free bytes on the scratch filesystem; statfs unless replaced. */
  freeDiskBytes?: ((dir: string) => Promise<number>) | undefined;
  /** Told after each FFmpeg run over the whole source: media seconds and wall seconds, for the realtime-factor metric. */
  onFfmpegRun?: ((stage: string, mediaSeconds: number, wallSeconds: number) => void) | undefined;
  /** Turns a stored chat log into its tracks off the event loop (the sidecar worker); parsed inline when absent. */
  prepareChat?: ((bytes: Buffer) => Promise<{ ok: true; messages: number; skipped: number; jsonl: Buffer; vtt: Buffer } | { ok: false; message: string }>) | undefined;
}

export interface MediaPipeline {
  process(input: PipelineInput, hooks?: Partial<PipelineHooks>): Promise<PipelineOutput>;
}
