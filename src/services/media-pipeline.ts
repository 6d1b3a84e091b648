import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { FfmpegFailed, runFfmpeg } from '../adapters/media/ffmpeg-process';
import { probeMedia } from '../adapters/media/ffprobe';
import { StorageObjectNotFound, type MediaStorage, readStoredText } from '../adapters/storage/media-storage';
import {
  aacCodecString,
  avcCodecString,
  buildCopyRenditionArgs,
  buildLadderArgs,
  buildMasterPlaylist,
  buildMp4Args,
  buildPosterArgs,
  buildReadThroughArgs,
  buildSpriteArgs,
  buildThumbnailsVtt,
  chatToVtt,
  toChatJsonLines,
  formatClock,
  hasMediaStreams,
  looksLikeIsoBmff,
  measureBandwidth,
  parseMediaPlaylist,
  planLadder,
  planSprite,
  posterTimeSeconds,
  SEGMENT_SECONDS,
  stderrShowsTruncation,
  VARIANT_PLAYLIST,
  type LadderPlan,
  type MediaProbe,
  type SpritePlan,
} from '../domain/media/ladder';
import { recordingPrefix, type RecordingMedia, type RecordingMetadata, type RecordingRendition } from '../domain/recording-media';

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
  signal?: AbortSignal | undefined;
}

export interface PipelineHooks {
  onProgress(p: PipelineProgress): void | Promise<void>;
  /** After the first rendition and a master playlist listing it are published. */
  onFirstPlayable(r: PipelineOutput): void | Promise<void>;
}

export interface MediaPipelineDeps {
  storage: MediaStorage;
  scratchDir: string;
  logger: Logger;
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
const MAX_CHAT_BYTES = 20 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

const STAGE_SPAN: Record<PipelineStage, [number, number]> = {
  probe: [0, 2],
  'fast-path': [2, 10],
  thumbnails: [10, 12],
  ladder: [12, 90],
  mp4: [90, 96],
  chat: [96, 98],
  publish: [98, 100],
};

const STAGE_LABEL: Record<PipelineStage, string> = {
  probe: 'reading the source',
  'fast-path': 'copying the source into the first rendition',
  ladder: 'encoding the renditions',
  thumbnails: 'making the poster',
  mp4: 'making the MP4 download',
  chat: 'converting the chat',
  publish: 'publishing',
};

const CONTENT_TYPES = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
  mp4: 'video/mp4',
  jsonl: 'application/x-ndjson; charset=utf-8',
} as const;

export function outputKeys(recordingId: string) {
  const prefix = recordingPrefix(recordingId);
  return {
    prefix,
    hlsPrefix: `${prefix}hls/`,
    master: `${prefix}hls/master.m3u8`,
    poster: `${prefix}poster.jpg`,
    sprite: `${prefix}sprite.jpg`,
    thumbnailsVtt: `${prefix}thumbnails.vtt`,
    mp4: `${prefix}download.mp4`,
    chatJson: `${prefix}chat.jsonl`,
    chatVtt: `${prefix}chat.vtt`,
  };
}

type OutputKeys = ReturnType<typeof outputKeys>;

function isOwnedOutput(keys: OutputKeys, key: string): boolean {
  return (
    key.startsWith(keys.hlsPrefix) ||
    [keys.poster, keys.sprite, keys.thumbnailsVtt, keys.mp4, keys.chatJson, keys.chatVtt].includes(key)
  );
}

export function createMediaPipeline(deps: MediaPipelineDeps): MediaPipeline {
  const { storage } = deps;
  const freeDiskBytes =
    deps.freeDiskBytes ??
    (async (dir: string) => {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    });

  return {
    async process(input, hooks = {}) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(input.recordingId)) {
        throw new MediaProcessingFailed('internal', `invalid recording id ${JSON.stringify(input.recordingId)}`, false);
      }
      const job = new PipelineJob(deps, storage, freeDiskBytes, input, hooks);
      return job.run();
    },
  };
}

interface ThumbnailTiles {
  dir: string;
  pattern: string;
  plan: SpritePlan;
  durationSeconds: number;
}

interface FinishedRendition {
  rendition: PipelineRendition;
  /** Seconds of media the rendition covers (sum of its segment durations). */
  coveredSeconds: number;
  longestSegmentSeconds: number;
  dir: string;
}

/** One run of the pipeline for one recording; holds the state that failure cleanup needs. */
class PipelineJob {
  private readonly keys: OutputKeys;
  private readonly log: Logger;
  private readonly controller = new AbortController();
  private readonly signal: AbortSignal;
  private readonly background: Array<Promise<unknown>> = [];
  private backgroundError: unknown = undefined;
  private readonly inputs: Set<string>;
  private readonly written = new Set<string>();
  private stage: PipelineStage = 'probe';
  private lastPercent = 0;
  private lastReportedStage: PipelineStage | null = null;
  private progressChain: Promise<void> = Promise.resolve();
  /** Furthest output position ffmpeg reported in the current step, for "truncated at". */
  private lastOutSeconds = 0;
  private jobDir = '';
  private sourceSize = 0;
  private timeoutMs = 0;
  private output: PipelineOutput;
  private firstPlayableSent = false;

  constructor(
    private readonly deps: MediaPipelineDeps,
    private readonly storage: MediaStorage,
    private readonly freeDiskBytes: (dir: string) => Promise<number>,
    private readonly input: PipelineInput,
    private readonly hooks: Partial<PipelineHooks>,
  ) {
    this.keys = outputKeys(input.recordingId);
    this.log = deps.logger.child({ recordingId: input.recordingId });
    // One controller for the job, so a failure can stop work running beside the failing step.
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

  async run(): Promise<PipelineOutput> {
    const started = Date.now();
    let source: { path: string; cleanup(): Promise<void> } | null = null;
    const cancel = () => this.controller.abort();
    if (this.input.signal?.aborted) cancel();
    this.input.signal?.addEventListener('abort', cancel, { once: true });
    try {
      await mkdir(this.deps.scratchDir, { recursive: true });
      const info = await this.storage.stat(this.input.sourceKey);
      if (!info) throw new MediaProcessingFailed('source-missing', `source file ${this.input.sourceKey} is missing from storage`, false);
      this.sourceSize = info.size;
      await this.ensureDiskSpace();
      this.jobDir = await mkdtemp(path.join(this.deps.scratchDir, `${this.input.recordingId}-`));

      await this.progress('probe', 0);
      source = await this.storage.localPathFor(this.input.sourceKey, this.jobDir);
      const probe = await this.probeSource(source.path);
      const plan = planLadder(probe);
      this.log.info(
        { durationSeconds: probe.durationSeconds, fastPath: plan.copy !== null, encode: plan.encode.map((r) => r.name), audio: plan.audio !== null },
        'media pipeline planned',
      );

      let ladderPlan = plan;
      if (plan.copy) await this.fastPath(source.path, plan, probe);
      else if (wantsQuickStart(plan, probe)) ladderPlan = await this.quickStart(source.path, plan, probe);
      await this.poster(source.path, probe);
      const thumbnails = await this.ladder(source.path, ladderPlan, probe);
      if (thumbnails) await this.sprite(thumbnails);
      await this.chat();
      await this.sweepStaleOutputs();
      await this.progress('publish', 1);
      this.log.info({ seconds: (Date.now() - started) / 1000, renditions: this.output.renditions.length }, 'media pipeline finished');
      return this.output;
    } catch (err) {
      const failure = await this.toFailure(this.backgroundError ?? err);
      this.controller.abort();
      await Promise.allSettled(this.background);
      this.log.warn({ err, reason: failure.reason, stage: this.stage }, `media pipeline failed: ${failure.message}`);
      await this.removeOutputs();
      throw failure;
    } finally {
      this.input.signal?.removeEventListener('abort', cancel);
      await source?.cleanup().catch(() => undefined);
      if (this.jobDir) await rm(this.jobDir, { recursive: true, force: true });
    }
  }

  // ------------------------------------------------------------ steps

  private async probeSource(file: string): Promise<MediaProbe> {
    let probe: MediaProbe;
    try {
      probe = await probeMedia(file, { signal: this.signal, timeoutMs: 120_000 });
    } catch (err) {
      if (!(err instanceof FfmpegFailed) || err.kind !== 'exit') throw err;
      if (/moov atom not found/i.test(err.stderrTail) && looksLikeIsoBmff(await readHead(file))) {
        throw new MediaProcessingFailed(
          'truncated',
          'input truncated at 00:00:00: the MP4 index (moov atom) was never written, so the recording was cut off before it was finalised',
          false,
          { cause: err },
        );
      }
      throw new MediaProcessingFailed('no-streams', 'no video or audio stream found: the file is not a recording Aula can read', false, {
        cause: err,
      });
    }
    if (!hasMediaStreams(probe)) {
      throw new MediaProcessingFailed('no-streams', 'no video or audio stream found', false);
    }
    if (probe.durationSeconds === null) {
      // Browser recordings often carry no duration; reading the packets through gives it.
      await this.ffmpeg(buildReadThroughArgs(file), 'probe');
      probe.durationSeconds = this.lastOutSeconds > 0 ? this.lastOutSeconds : null;
    }
    const duration = probe.durationSeconds ?? 0;
    this.timeoutMs = this.deps.ffmpegTimeoutMs ?? Math.max(10 * 60_000, duration * 2_000);
    this.output.metadata = {
      durationSeconds: probe.durationSeconds,
      width: probe.video?.width ?? null,
      height: probe.video?.height ?? null,
      videoCodec: probe.video?.codec ?? null,
      audioCodec: probe.audio?.codec ?? null,
      bitRate: probe.bitRate ?? (duration > 0 ? Math.round((this.sourceSize * 8) / duration) : null),
      sizeBytes: probe.sizeBytes ?? this.sourceSize,
    };
    await this.progress('probe', 1);
    return probe;
  }

  private async fastPath(sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<void> {
    const copy = plan.copy;
    if (!copy) return;
    const dir = path.join(this.jobDir, 'hls', copy.name);
    await mkdir(dir, { recursive: true });
    const { stderrTail } = await this.ffmpeg(buildCopyRenditionArgs(sourcePath, dir), 'fast-path', probe.durationSeconds);
    const finished = await this.finishRendition(copy.name, dir);
    this.checkTruncation(probe, finished.coveredSeconds, stderrTail);
    if (finished.longestSegmentSeconds > 2 * SEGMENT_SECONDS) {
      // Copied segments can only cut at the recorder's keyframes; players cope, but seeking is coarser.
      this.log.warn({ longestSegmentSeconds: finished.longestSegmentSeconds }, 'source keyframes are far apart; copied segments are long');
    }
    await this.publishRendition(finished);
    await this.progress('fast-path', 1);
  }

  /**
   * A source that must be re-encoded (a browser's VP8/VP9 WebM, say) gets its smallest rung alone first, made with
   * the ladder's own settings, so the recording plays minutes before the full ladder is done; the ladder then makes
   * the rest. Costs one extra decode of the source.
   */
  private async quickStart(sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<LadderPlan> {
    const smallest = plan.encode[plan.encode.length - 1]!;
    const hlsDir = path.join(this.jobDir, 'hls-first');
    await mkdir(path.join(hlsDir, smallest.name), { recursive: true });
    const args = buildLadderArgs({ input: sourcePath, hlsDir, plan: { ...plan, encode: [smallest], audio: null }, thumbnails: null });
    if (!args) return plan;
    const { stderrTail } = await this.ffmpeg(args, 'fast-path', probe.durationSeconds);
    const finished = await this.finishRendition(smallest.name, path.join(hlsDir, smallest.name));
    this.checkTruncation(probe, finished.coveredSeconds, stderrTail);
    await this.publishRendition(finished);
    await this.progress('fast-path', 1);
    return { ...plan, encode: plan.encode.slice(0, -1) };
  }

  private async poster(sourcePath: string, probe: MediaProbe): Promise<void> {
    if (!probe.video) return;
    await this.progress('thumbnails', 0);
    const file = path.join(this.jobDir, 'poster.jpg');
    const duration = probe.video.durationSeconds ?? probe.durationSeconds ?? 0;
    for (const at of [posterTimeSeconds(duration), 0]) {
      await this.ffmpeg(buildPosterArgs(sourcePath, file, at), 'thumbnails');
      if (await fileExists(file)) {
        await this.put(this.keys.poster, file, CONTENT_TYPES.jpg);
        this.output.posterKey = this.keys.poster;
        break;
      }
    }
    if (!this.output.posterKey) this.log.warn('no frame found for the poster');
    await this.progress('thumbnails', 1);
  }

  /** Encodes, measures and publishes every remaining rendition and the MP4; returns the sprite tiles made on the way. */
  private async ladder(sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<ThumbnailTiles | null> {
    const hlsDir = path.join(this.jobDir, 'hls');
    const names = [...plan.encode.map((r) => r.name), ...(plan.audio ? [plan.audio.name] : [])];
    for (const name of names) await mkdir(path.join(hlsDir, name), { recursive: true });
    const videoSeconds = probe.video?.durationSeconds ?? probe.durationSeconds ?? 0;
    const thumbsDir = path.join(this.jobDir, 'thumbs');
    const thumbnails: ThumbnailTiles | null = probe.video
      ? { dir: thumbsDir, pattern: path.join(thumbsDir, '%04d.png'), plan: planSprite(videoSeconds), durationSeconds: videoSeconds }
      : null;
    if (thumbnails) await mkdir(thumbsDir, { recursive: true });
    const args = buildLadderArgs({ input: sourcePath, hlsDir, plan, thumbnails });

    // Fast path: the MP4 is a stream copy of the source, I/O-bound, so it runs beside the CPU-bound ladder.
    const mp4Beside = plan.copy ? this.beside(this.mp4(sourcePath, probe, true)) : null;

    let stderrTail = '';
    if (args) {
      await this.progress('ladder', 0);
      ({ stderrTail } = await this.ffmpeg(args, 'ladder', probe.durationSeconds));
    }
    const finished: FinishedRendition[] = [];
    for (const name of names) finished.push(await this.finishRendition(name, path.join(hlsDir, name)));
    if (finished.length > 0) {
      this.checkTruncation(probe, Math.max(...finished.map((f) => f.coveredSeconds)), stderrTail);
    }
    await this.progress('ladder', 1);

    // Otherwise the MP4 is remuxed from the top rendition (already H.264/AAC) before that is published.
    const mp4Source = plan.copy ? null : finished[0];
    for (const f of finished) if (f !== mp4Source) await this.publishRendition(f);
    if (mp4Source) {
      await this.mp4(path.join(mp4Source.dir, VARIANT_PLAYLIST), probe, false);
      await this.publishRendition(mp4Source);
    }
    if (mp4Beside) {
      await mp4Beside;
      await this.progress('mp4', 1);
    }
    return thumbnails;
  }

  private async mp4(input: string, probe: MediaProbe, inBackground: boolean): Promise<void> {
    if (!inBackground) await this.progress('mp4', 0);
    const file = path.join(this.jobDir, 'download.mp4');
    await this.ffmpeg(buildMp4Args(input, file), 'mp4', probe.durationSeconds, inBackground);
    await this.put(this.keys.mp4, file, CONTENT_TYPES.mp4);
    this.output.mp4Key = this.keys.mp4;
    if (!inBackground) await this.progress('mp4', 1);
  }

  /** Tracks work running beside the main steps so a failure can wait for it before cleaning up. */
  private beside<T>(task: Promise<T>): Promise<T> {
    this.background.push(task);
    // A failure beside the main step stops the job at once instead of after the ladder.
    task.catch((err: unknown) => {
      if (this.backgroundError !== undefined) return;
      this.backgroundError = err;
      this.controller.abort();
    });
    return task;
  }

  private async sprite({ dir, pattern, plan: planned, durationSeconds }: ThumbnailTiles): Promise<void> {
    await this.progress('thumbnails', 0);
    const made = (await readdir(dir)).filter((n) => n.endsWith('.png')).length;
    if (made === 0) {
      this.log.warn('no frames for the sprite sheet');
      return;
    }
    // The fps filter may yield one tile fewer than planned; the sheet and its track follow what exists.
    const plan = made < planned.count ? { ...planned, count: made, rows: Math.ceil(made / planned.columns) } : planned;
    const file = path.join(this.jobDir, 'sprite.jpg');
    await this.ffmpeg(buildSpriteArgs(pattern, file, plan), 'thumbnails');
    await this.put(this.keys.sprite, file, CONTENT_TYPES.jpg);
    // Relative URL: thumbnails.vtt and sprite.jpg sit side by side.
    await this.putText(this.keys.thumbnailsVtt, buildThumbnailsVtt(plan, durationSeconds, 'sprite.jpg'), CONTENT_TYPES.vtt);
    this.output.spriteKey = this.keys.sprite;
    this.output.thumbnailsVttKey = this.keys.thumbnailsVtt;
  }

  private async chat(): Promise<void> {
    const chatKey = this.input.chatKey;
    if (!chatKey) return;
    await this.progress('chat', 0);
    const info = await this.storage.stat(chatKey);
    if (!info) {
      this.log.warn({ chatKey }, 'chat log is missing from storage; continuing without chat');
      return;
    }
    if (info.size > MAX_CHAT_BYTES) {
      this.log.warn({ chatKey, size: info.size }, 'chat log is too large; continuing without chat');
      return;
    }
    const text = await readStoredText(this.storage, chatKey);
    let tracks: { jsonl: string | Buffer; vtt: string | Buffer; messages: number; skipped: number };
    if (this.deps.prepareChat) {
      const prepared = await this.deps.prepareChat(Buffer.from(text));
      if (!prepared.ok) {
        this.log.warn({ chatKey, reason: prepared.message }, 'chat log has no usable messages; continuing without chat');
        return;
      }
      tracks = prepared;
    } else {
      const { vtt, messages, skipped } = chatToVtt(text);
      tracks = { jsonl: toChatJsonLines(messages), vtt, messages: messages.length, skipped };
    }
    if (tracks.skipped > 0) this.log.warn({ skipped: tracks.skipped, kept: tracks.messages }, 'skipped chat lines that are not messages');
    if (chatKey !== this.keys.chatJson) {
      await this.putText(this.keys.chatJson, tracks.jsonl, CONTENT_TYPES.jsonl);
    }
    await this.putText(this.keys.chatVtt, tracks.vtt, CONTENT_TYPES.vtt);
    this.output.chatJsonKey = this.keys.chatJson;
    this.output.chatVttKey = this.keys.chatVtt;
    await this.progress('chat', 1);
  }

  // ------------------------------------------------------------ renditions

  /** Measures a finished rendition in scratch: bandwidth from segment sizes, codecs from its first segment. */
  private async finishRendition(name: string, dir: string): Promise<FinishedRendition> {
    const playlist = parseMediaPlaylist(await readFile(path.join(dir, VARIANT_PLAYLIST), 'utf8'));
    const first = playlist.segments[0];
    if (!first) {
      throw new MediaProcessingFailed('truncated', `input truncated at 00:00:00: no media could be read for the ${name} rendition`, false);
    }
    const sized = await Promise.all(
      playlist.segments.map(async (s) => ({ durationSeconds: s.durationSeconds, sizeBytes: (await stat(path.join(dir, s.uri))).size })),
    );
    const { peak, average } = measureBandwidth(sized);
    const segProbe = await probeMedia(path.join(dir, first.uri), { signal: this.signal });
    const codecs = [
      ...(segProbe.video ? [avcCodecString(segProbe.video.profile, segProbe.video.level)] : []),
      ...(segProbe.audio ? [aacCodecString(segProbe.audio.profile)] : []),
    ].join(',');
    return {
      dir,
      coveredSeconds: playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0),
      longestSegmentSeconds: Math.max(...playlist.segments.map((s) => s.durationSeconds)),
      rendition: {
        name,
        width: segProbe.video?.width ?? null,
        height: segProbe.video?.height ?? null,
        bandwidth: peak,
        averageBandwidth: average,
        codecs,
        playlistKey: `${this.keys.hlsPrefix}${name}/${VARIANT_PLAYLIST}`,
      },
    };
  }

  /** Segments first, then the variant playlist, then a master that lists only finished renditions. */
  private async publishRendition(f: FinishedRendition): Promise<void> {
    const keyDir = `${this.keys.hlsPrefix}${f.rendition.name}/`;
    const files = (await readdir(f.dir)).filter((n) => n.endsWith('.ts')).sort();
    await mapLimit(files, UPLOAD_CONCURRENCY, (file) => this.put(`${keyDir}${file}`, path.join(f.dir, file), CONTENT_TYPES.ts));
    await this.put(f.rendition.playlistKey, path.join(f.dir, VARIANT_PLAYLIST), CONTENT_TYPES.m3u8);
    this.output.renditions.push(f.rendition);
    const master = buildMasterPlaylist(
      this.output.renditions.map((r) => ({
        uri: `${r.name}/${VARIANT_PLAYLIST}`,
        bandwidth: r.bandwidth,
        averageBandwidth: r.averageBandwidth,
        width: r.width,
        height: r.height,
        codecs: r.codecs,
      })),
    );
    await this.putText(this.keys.master, master, CONTENT_TYPES.m3u8);
    if (!this.firstPlayableSent) {
      this.firstPlayableSent = true;
      await this.hooks.onFirstPlayable?.(this.snapshot());
    }
  }

  private checkTruncation(probe: MediaProbe, coveredSeconds: number, stderrTail: string): void {
    // The shortest declared stream is the most that every stream can be expected to cover.
    const declared = [probe.video?.durationSeconds, probe.audio?.durationSeconds].filter((d): d is number => typeof d === 'number' && d > 0);
    const expected = declared.length > 0 ? Math.min(...declared) : probe.durationSeconds;
    if (!expected) return;
    const shortfall = expected - coveredSeconds;
    const suspicious = stderrShowsTruncation(stderrTail);
    if (shortfall > Math.max(2, expected * 0.02) || (suspicious && shortfall > 0.5)) {
      throw new MediaProcessingFailed(
        'truncated',
        `input truncated at ${formatClock(coveredSeconds)}: the file declares ${formatClock(expected)} but its data ends there`,
        false,
      );
    }
  }

  // ------------------------------------------------------------ plumbing

  /** Runs one ffmpeg step; a background step leaves stage, position and progress to the main step. */
  private async ffmpeg(args: string[], stage: PipelineStage, durationSeconds?: number | null, inBackground = false): Promise<{ stderrTail: string }> {
    if (!inBackground) {
      this.stage = stage;
      this.lastOutSeconds = 0;
    }
    const started = Date.now();
    const result = await runFfmpeg(args, {
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

  private async put(key: string, file: string, contentType: string): Promise<void> {
    this.signal.throwIfAborted();
    await this.storage.putFile(key, file, contentType);
    this.written.add(key);
  }

  private async putText(key: string, body: string | Buffer, contentType: string): Promise<void> {
    this.signal.throwIfAborted();
    await this.storage.putBuffer(key, body, contentType);
    this.written.add(key);
  }

  private snapshot(): PipelineOutput {
    return { ...this.output, metadata: { ...this.output.metadata }, renditions: [...this.output.renditions] };
  }

  /**
   * Reports progress; ffmpeg's frequent updates are fire-and-forget and chained so a slow hook never
   * reorders them, while stage boundaries wait for the hook.
   */
  private async progress(stage: PipelineStage, fraction: number, wait = true): Promise<void> {
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

  private async ensureDiskSpace(): Promise<void> {
    const need = this.sourceSize * DISK_SPACE_FACTOR;
    const have = await this.freeDiskBytes(this.deps.scratchDir);
    if (have < need) throw this.diskSpaceError(need, have);
  }

  private diskSpaceError(need: number, have: number, cause?: unknown): MediaProcessingFailed {
    return new MediaProcessingFailed('disk-space', `not enough free disk space: need ${gb(need)} GB, have ${gb(have)} GB`, true, { cause });
  }

  private async toFailure(err: unknown): Promise<MediaProcessingFailed> {
    if (err instanceof MediaProcessingFailed) return err;
    const doing = STAGE_LABEL[this.stage];
    if (this.input.signal?.aborted || (err instanceof FfmpegFailed && err.kind === 'aborted')) {
      return new MediaProcessingFailed('cancelled', `media processing was cancelled while ${doing}`, true, { cause: err });
    }
    if (err instanceof FfmpegFailed && err.kind === 'timeout') {
      return new MediaProcessingFailed('timeout', `ffmpeg took too long while ${doing} and was stopped`, true, { cause: err });
    }
    const noSpace = (err instanceof FfmpegFailed && /No space left on device/i.test(err.stderrTail)) || errnoCode(err) === 'ENOSPC';
    if (noSpace) {
      const have = await this.freeDiskBytes(this.deps.scratchDir).catch(() => 0);
      return this.diskSpaceError(this.sourceSize * DISK_SPACE_FACTOR, have, err);
    }
    if (err instanceof FfmpegFailed && err.kind === 'exit') {
      if (stderrShowsTruncation(err.stderrTail)) {
        return new MediaProcessingFailed('truncated', `input truncated at ${formatClock(this.lastOutSeconds)}`, false, { cause: err });
      }
      return new MediaProcessingFailed('ffmpeg', `ffmpeg failed while ${doing}: ${err.message}`, err.exitSignal !== null, { cause: err });
    }
    if (err instanceof StorageObjectNotFound && this.inputs.has(err.key)) {
      return new MediaProcessingFailed('source-missing', `source file ${err.key} is missing from storage`, false, { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new MediaProcessingFailed('internal', `media processing failed while ${doing}: ${message}`, true, { cause: err });
  }

  /** Everything the pipeline publishes for this recording, never its inputs. */
  private async removeOutputs(): Promise<void> {
    try {
      const keys = await this.storage.list(this.keys.prefix);
      const owned = keys.filter((k) => isOwnedOutput(this.keys, k) && !this.inputs.has(k));
      await mapLimit(owned, UPLOAD_CONCURRENCY, (k) => this.storage.delete(k));
    } catch (err) {
      this.log.error({ err }, 'could not remove partial media outputs');
    }
  }

  /** Outputs an earlier run left behind that this run did not rewrite (e.g. a rung no longer in the ladder). */
  private async sweepStaleOutputs(): Promise<void> {
    const keys = await this.storage.list(this.keys.prefix);
    const stale = keys.filter((k) => isOwnedOutput(this.keys, k) && !this.inputs.has(k) && !this.written.has(k));
    await mapLimit(stale, UPLOAD_CONCURRENCY, (k) => this.storage.delete(k));
  }
}

// ------------------------------------------------------------ helpers

/** Sources this long or longer, with more than one rung to encode, get their smallest rung first. */
export const QUICK_START_MIN_SECONDS = 60;

function wantsQuickStart(plan: LadderPlan, probe: MediaProbe): boolean {
  return plan.copy === null && plan.encode.length >= 2 && (probe.durationSeconds ?? 0) >= QUICK_START_MIN_SECONDS;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buf, 0, 16, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

function gb(bytes: number): string {
  const value = bytes / 1e9;
  return value >= 10 ? value.toFixed(0) : value >= 0.1 ? value.toFixed(1) : value.toFixed(2);
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
