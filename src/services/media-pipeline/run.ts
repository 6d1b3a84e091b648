import type { Logger } from 'pino';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { isPipelineOutput, recordingLayout, type RecordingLayout } from '../../domain/media/recording-layout';
import { DISK_SPACE_FACTOR, diskSpaceError, type MediaProcessingFailed, toFailure } from './failure';
import { mapLimit, UPLOAD_CONCURRENCY } from './files';
import type { MediaPipelineDeps, PipelineHooks, PipelineInput, PipelineOutput, PipelineStage } from './types';

const STAGE_SPAN: Record<PipelineStage, [number, number]> = {
  probe: [0, 2],
  'fast-path': [2, 10],
  thumbnails: [10, 12],
  ladder: [12, 90],
  mp4: [90, 96],
  chat: [96, 98],
  publish: [98, 100],
};

/**
 * One run of the pipeline for one recording: what its steps share (the output so far, the job's folder, its
 * cancellation) and the plumbing they use (ffmpeg, uploads, progress), holding the state that failure cleanup needs.
 */
export class PipelineRun {
  readonly keys: RecordingLayout;
  readonly log: Logger;
  readonly storage: MediaStorage;
  readonly output: PipelineOutput;
  private readonly controller = new AbortController();
  /** One signal for the job, so a failure can stop work running beside the failing step. */
  readonly signal: AbortSignal;
  private readonly background: Array<Promise<unknown>> = [];
  private backgroundError: unknown = undefined;
  /** Storage keys the job reads, never removed by it. */
  readonly inputs: Set<string>;
  private readonly written = new Set<string>();
  stage: PipelineStage = 'probe';
  private lastPercent = 0;
  private lastReportedStage: PipelineStage | null = null;
  private progressChain: Promise<void> = Promise.resolve();
  /** Furthest output position ffmpeg reported in the current step, for "truncated at". */
  lastOutSeconds = 0;
  jobDir = '';
  sourceSize = 0;
  timeoutMs = 0;
  private firstPlayableSent = false;

  constructor(
    readonly deps: MediaPipelineDeps,
    readonly freeDiskBytes: (dir: string) => Promise<number>,
    readonly input: PipelineInput,
    private readonly hooks: Partial<PipelineHooks>,
  ) {
    this.keys = recordingLayout(input.recordingId, input.outputFolder);
    this.storage = deps.storage;
    this.log = deps.logger.child({ recordingId: input.recordingId });
    this.signal = this.controller.signal;
    this.inputs = new Set([input.sourceKey, ...(input.chatKey ? [input.chatKey] : [])]);
    this.output = {
      metadata: { durationSeconds: null, width: null, height: null, videoCodec: null, audioCodec: null, bitRate: null, sizeBytes: null },
      renditions: [],
      masterKey: this.keys.master,
      posterKey: null,
      spriteKey: null,
      thumbnailsVttKey: null,
      mp4Key: null,
      chatVttKey: null,
      chatJsonKey: null,
    };
  }

  /** Cancels every step of the job. */
  abort(): void {
    this.controller.abort();
  }

  /** Runs one ffmpeg step; a background step leaves stage, position and progress to the main step. */
  async ffmpeg(args: string[], stage: PipelineStage, durationSeconds?: number | null, inBackground = false): Promise<{ stderrTail: string }> {
    if (!inBackground) {
      this.stage = stage;
      this.lastOutSeconds = 0;
    }
    const started = Date.now();
    const result = await this.deps.ffmpeg.run(args, {
      signal: this.signal,
      timeoutMs: this.timeoutMs > 0 ? this.timeoutMs : (this.deps.ffmpegTimeoutMs ?? 10 * 60_000),
      onProgress: (seconds) => {
        if (inBackground) return;
        this.lastOutSeconds = Math.max(this.lastOutSeconds, seconds);
        if (durationSeconds && durationSeconds > 0) void this.progress(stage, Math.min(1, seconds / durationSeconds), false);
      },
    });
    this.log.debug({ stage, ms: Date.now() - started }, 'ffmpeg step finished');
    if (durationSeconds) this.deps.onFfmpegRun?.(stage, durationSeconds, (Date.now() - started) / 1000);
    return { stderrTail: result.stderrTail };
  }

  async put(key: string, file: string, contentType: string): Promise<void> {
    this.signal.throwIfAborted();
    await this.storage.putFile(key, file, contentType);
    this.written.add(key);
  }

  async putText(key: string, body: string | Buffer, contentType: string): Promise<void> {
    this.signal.throwIfAborted();
    await this.storage.putBuffer(key, body, contentType);
    this.written.add(key);
  }

  snapshot(): PipelineOutput {
    return { ...this.output, metadata: { ...this.output.metadata }, renditions: [...this.output.renditions] };
  }

  /** Tells the caller, once, that the first rendition plays. */
  async firstPlayable(): Promise<void> {
    if (this.firstPlayableSent) return;
    this.firstPlayableSent = true;
    await this.hooks.onFirstPlayable?.(this.snapshot());
  }

  /**
   * Reports progress; ffmpeg's frequent updates are fire-and-forget and chained so a slow hook never
   * reorders them, while stage boundaries wait for the hook.
   */
  async progress(stage: PipelineStage, fraction: number, wait = true): Promise<void> {
    this.stage = stage;
    const [from, to] = STAGE_SPAN[stage];
    const percent = Math.max(this.lastPercent, Math.round(from + (to - from) * fraction));
    const changed = percent !== this.lastPercent || stage !== this.lastReportedStage;
    this.lastPercent = percent;
    this.lastReportedStage = stage;
    const onProgress = this.hooks.onProgress;
    if (changed && onProgress) {
      this.progressChain = this.progressChain
        .then(() => onProgress({ stage, percent }))
        .catch((err: unknown) => this.log.warn({ err }, 'progress hook failed'));
    }
    if (wait) await this.progressChain;
  }

  /** Tracks work running beside the main steps so a failure can wait for it before cleaning up. */
  beside<T>(task: Promise<T>): Promise<T> {
    this.background.push(task);
    // A failure beside the main step stops the job at once instead of after the ladder.
    task.catch((err: unknown) => {
      if (this.backgroundError !== undefined) return;
      this.backgroundError = err;
      this.controller.abort();
    });
    return task;
  }

  async ensureDiskSpace(): Promise<void> {
    const need = this.sourceSize * DISK_SPACE_FACTOR;
    const have = await this.freeDiskBytes(this.deps.scratchDir);
    if (have < need) throw diskSpaceError(need, have);
  }

  /** Stops what runs beside the failed step, removes what was published and says why, as a person can act on it. */
  async fail(err: unknown): Promise<MediaProcessingFailed> {
    const failure = await toFailure(this.backgroundError ?? err, {
      stage: this.stage,
      cancelled: this.input.signal?.aborted ?? false,
      lastOutSeconds: this.lastOutSeconds,
      inputs: this.inputs,
      diskSpace: async (cause) => diskSpaceError(this.sourceSize * DISK_SPACE_FACTOR, await this.freeDiskBytes(this.deps.scratchDir).catch(() => 0), cause),
    });
    this.controller.abort();
    await Promise.allSettled(this.background);
    this.log.warn({ err, reason: failure.reason, stage: this.stage }, `media pipeline failed: ${failure.message}`);
    await this.removeOutputs();
    return failure;
  }

  /** Everything the pipeline publishes for this recording, never its inputs. */
  private async removeOutputs(): Promise<void> {
    try {
      const keys = await this.storage.list(this.keys.prefix);
      const owned = keys.filter((k) => isPipelineOutput(this.keys, k) && !this.inputs.has(k));
      await mapLimit(owned, UPLOAD_CONCURRENCY, (k) => this.storage.delete(k));
    } catch (err) {
      this.log.error({ err }, 'could not remove partial media outputs');
    }
  }

  /** Outputs an earlier run left behind that this run did not rewrite (e.g. a rung no longer in the ladder). */
  async sweepStaleOutputs(): Promise<void> {
    const keys = await this.storage.list(this.keys.prefix);
    const stale = keys.filter((k) => isPipelineOutput(this.keys, k) && !this.inputs.has(k) && !this.written.has(k));
    await mapLimit(stale, UPLOAD_CONCURRENCY, (k) => this.storage.delete(k));
  }
}
