/**
 * The rest of the ladder, made beside the live encoder: each finished top-rung segment becomes the same-numbered
 * segment of every lower rung and of the audio-only rendition, plus the thumbnails of its seconds, in one short
 * FFmpeg run at low CPU priority. Each output is uploaded at once and its rendition's live playlist grows. When the
 * follower falls too far behind the class it stops, and the recording falls back to the pipeline afterwards; the
 * live encoder itself is never slowed or touched.
 */
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FfmpegRunner } from '../../../adapters/media/ffmpeg-process';
import type { ProbeMedia } from '../../../adapters/media/ffprobe';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import { buildLadderSegmentArgs } from '../../../domain/media/ffmpeg-args/live';
import { FfmpegFailed } from '../../../domain/media/ffmpeg-failure';
import { buildLivePlaylist, hlsCodecsOf, type LiveSegment, type MasterEntry } from '../../../domain/media/hls';
import { AUDIO_KBPS, planLadder, planSprite, SMALLEST_RUNG_KBPS } from '../../../domain/media/ladder';
import { LIVE_LADDER_MAX_LAG_SECONDS, LIVE_LADDER_NICENESS, RealtimeMeter, thumbnailSecondsIn } from '../../../domain/media/live-ladder';
import { CONTENT_TYPES, recordingLayout, renditionUri } from '../../../domain/media/recording-layout';
import { errorMessage } from '../../../domain/error-text';

/** A rendition the follower makes: a lower rung (with the top rung's audio) or the audio-only one. */
export interface FollowedRendition {
  name: string;
  /** Null for the audio-only rendition. */
  width: number | null;
  height: number | null;
  videoKbps: number | null;
  /** From the first segment; null until it is made. */
  codecs: string | null;
  segments: LiveSegment[];
}

export type LadderOutcome =
  | { kind: 'complete'; renditions: FollowedRendition[]; thumbnailsDir: string; speed: number | null }
  | { kind: 'stopped'; reason: string };

export interface LadderFollowerDeps {
  ffmpeg: Pick<FfmpegRunner, 'run'>;
  storage: MediaStorage;
  probe: ProbeMedia;
  log: Logger;
  /** Told when the renditions a live master playlist should list change: all made once, or falling back. */
  onRenditionsChanged: () => Promise<void>;
  /** Told the media and wall seconds of each segment made, for the realtime-factor metric. */
  onFfmpegRun?: ((stage: string, mediaSeconds: number, wallSeconds: number) => void) | undefined;
  /** How far behind the class the follower may fall before it stops; LIVE_LADDER_MAX_LAG_SECONDS unless set. */
  maxLagSeconds?: number;
}

export interface TopSegment {
  uri: string;
  durationSeconds: number;
  /** Seconds into the recording where the segment starts. */
  startSeconds: number;
}

const SEGMENT_RUN_TIMEOUT_MS = 60_000;
/** Runs at once once the class has ended: what is still owed is made on both cores while the recording waits. */
const CATCH_UP_RUNS = 2;

/** A top-rung segment taken, and the run making its other renditions once begun (true: it began again at normal). */
interface SegmentTask {
  input: string;
  seg: TopSegment;
  judged: boolean;
  /** When it was taken (ms): how long it has been owed. */
  takenAt: number;
  run: Promise<boolean> | null;
  /** When its run began (ms): its pace is counted from then. */
  begunAt: number;
}

export class LadderFollower {
  private chain: Promise<void> = Promise.resolve();
  private stoppedReason: string | null = null;
  private readonly meter = new RealtimeMeter();
  private renditions: FollowedRendition[] | null = null;
  private readonly taken = new Set<string>();
  /**
   * The segments taken and not yet made, oldest first (the one being made at the head): how far behind the class
   * the follower is; after the class the next ones' runs begin early.
   */
  private readonly owed: SegmentTask[] = [];
  /** Time spent on one-off work (the first segment's probes): not the follower's pace, so not held against it. */
  private oneOffMs = 0;
  private inputEnded = false;
  /** Cancels the low-priority run under way. */
  private running: AbortController | null = null;
  private listed = false;
  private readonly inputDir: string;
  private readonly outDir: string;
  readonly thumbnailsDir: string;

  constructor(
    dir: string,
    private readonly recordingId: string,
    private readonly deps: LadderFollowerDeps,
  ) {
    this.inputDir = path.join(dir, 'ladder-in');
    this.outDir = path.join(dir, 'ladder-out');
    this.thumbnailsDir = path.join(dir, 'thumbnails');
  }

  /** Why the follower stopped, or null while it keeps up. */
  get stopped(): string | null {
    return this.stoppedReason;
  }

  /**
   * Keeps a finished top-rung segment (a hard link: storage moves the original away) and queues its run.
   * Called in segment order; a segment offered twice (an upload retried) is made once.
   */
  async take(file: string, seg: TopSegment): Promise<void> {
    if (this.stoppedReason || this.taken.has(seg.uri)) return;
    this.taken.add(seg.uri);
    const input = path.join(this.inputDir, seg.uri);
    try {
      await mkdir(this.inputDir, { recursive: true });
      await link(file, input).catch(() => copyFile(file, input));
    } catch (err) {
      // A rendition with a hole would not line up with the others: the pipeline makes them whole instead.
      this.stop(`a segment could not be kept for the other renditions (${errorMessage(err).slice(0, 200)})`);
      return;
    }
    const judged = !this.inputEnded;
    if (judged) this.judgeLag(this.owed[0]?.takenAt);
    const task: SegmentTask = { input, seg, judged, takenAt: Date.now(), run: null, begunAt: 0 };
    this.owed.push(task);
    this.chain = this.chain
      .then(() => this.make(task))
      .catch((err: unknown) => this.stop(`a segment of the other renditions could not be made (${errorMessage(err).slice(0, 200)})`));
  }

  /**
   * The class is over: its own encoder has ended and its recording waits on the last runs, so they go at normal
   * priority (a run under way at low priority starts again at normal), two at a time, whatever their pace.
   */
  endOfInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.running?.abort();
    this.beginCatchUp();
  }

  /** After the class: the runs of the next segments owed begin beside the one being made. */
  private beginCatchUp(): void {
    if (!this.renditions || this.stoppedReason) return;
    for (const next of this.owed.slice(1, CATCH_UP_RUNS)) next.run ??= this.begin(next, this.renditions);
  }

  stop(reason: string): void {
    if (this.stoppedReason) return;
    this.stoppedReason = reason;
    this.deps.log.warn({ reason }, 'the live ladder stops; the other renditions will be made after the class');
    void this.deps.onRenditionsChanged().catch((err: unknown) => this.deps.log.warn({ err }, 'could not rewrite the live master playlist'));
  }

  /** Waits for the queued segments; what was made, or why the pipeline must make it. */
  async finish(): Promise<LadderOutcome> {
    this.endOfInput();
    await this.chain;
    await rm(this.inputDir, { recursive: true, force: true });
    if (this.stoppedReason) return { kind: 'stopped', reason: this.stoppedReason };
    if (!this.renditions) return { kind: 'stopped', reason: 'no segment reached the live ladder' };
    return { kind: 'complete', renditions: this.renditions, thumbnailsDir: this.thumbnailsDir, speed: this.meter.speed() };
  }

  /** Master playlist entries of the followed renditions once each has a segment; none after a stop. */
  liveEntries(): MasterEntry[] {
    if (this.stoppedReason || !this.listed || !this.renditions) return [];
    return this.renditions.map((r) => {
      const kbps = r.videoKbps === null ? AUDIO_KBPS : r.videoKbps + AUDIO_KBPS;
      return { uri: renditionUri(r.name), bandwidth: Math.round(kbps * 1070), averageBandwidth: kbps * 1000, width: r.width, height: r.height, codecs: r.codecs ?? '' };
    });
  }

  /** The rungs planLadder gives a source like the top rung, below it, and the audio-only rendition. */
  private async planFrom(input: string): Promise<FollowedRendition[]> {
    const probe = await this.deps.probe(input, { timeoutMs: 20_000 });
    const plan = planLadder(probe);
    const topShort = probe.video ? Math.min(probe.video.width, probe.video.height) : 0;
    const lower = plan.encode.filter((r) => Math.min(r.width, r.height) < topShort);
    const renditions: FollowedRendition[] = lower.map((r) => ({ name: r.name, width: r.width, height: r.height, videoKbps: r.videoKbps ?? SMALLEST_RUNG_KBPS, codecs: null, segments: [] }));
    if (plan.audio) renditions.push({ name: plan.audio.name, width: null, height: null, videoKbps: null, codecs: null, segments: [] });
    this.deps.log.info({ renditions: renditions.map((r) => r.name) }, 'live ladder planned');
    for (const r of renditions) await mkdir(path.join(this.outDir, r.name), { recursive: true });
    await mkdir(this.thumbnailsDir, { recursive: true });
    return renditions;
  }

  private fileOf(r: FollowedRendition, seg: TopSegment): string {
    return path.join(this.outDir, r.name, seg.uri);
  }

  /** Begins the run of a segment's other renditions (the renditions are planned); true when it began again at normal. */
  private begin(task: SegmentTask, renditions: FollowedRendition[]): Promise<boolean> {
    const { seg } = task;
    const video = renditions.filter((r) => r.width !== null && r.height !== null);
    const audio = renditions.find((r) => r.width === null) ?? null;
    const { first, count } = thumbnailSecondsIn(seg.startSeconds, seg.durationSeconds);
    const args = buildLadderSegmentArgs({
      input: task.input,
      rungs: video.map((r) => ({ file: this.fileOf(r, seg), width: r.width!, height: r.height!, videoKbps: r.videoKbps! })),
      audioFile: audio ? this.fileOf(audio, seg) : null,
      thumbnails: { pattern: path.join(this.thumbnailsDir, '%05d.png'), startSeconds: seg.startSeconds, first, count, tile: planSprite(1) },
    });
    task.begunAt = Date.now();
    const run = args ? this.run(args, task.judged && !this.inputEnded) : Promise.resolve(false);
    // Awaited when its segment's turn comes; a failure before then must not count as unhandled.
    run.catch(() => undefined);
    return run;
  }

  /**
   * Makes the oldest segment taken. Once the class has ended the next segments' runs begin beside it (they no longer
   * give way to a live encoder), and each is published in order as before.
   */
  private async make(task: SegmentTask): Promise<void> {
    try {
      await this.makeOwed(task);
    } finally {
      this.owed.splice(this.owed.indexOf(task), 1);
    }
  }

  private async makeOwed(task: SegmentTask): Promise<void> {
    const { input, seg, judged } = task;
    if (this.stoppedReason) {
      await task.run?.catch(() => undefined);
      await rm(input, { force: true });
      return;
    }
    this.renditions ??= await this.planFrom(input);
    const renditions = this.renditions;
    task.run ??= this.begin(task, renditions);
    if (this.inputEnded) this.beginCatchUp();
    const restarted = await task.run;
    await rm(input, { force: true });
    // The one-off probes of the first segment are not the follower's pace.
    const probingMs = await this.publish(renditions, seg);
    this.oneOffMs += probingMs;
    const wallSeconds = (Date.now() - task.begunAt - probingMs) / 1000;
    if (!restarted) {
      this.meter.add(seg.durationSeconds, wallSeconds);
      this.deps.onFfmpegRun?.('live-ladder', seg.durationSeconds, wallSeconds);
    }
    if (!this.listed) {
      this.listed = true;
      await this.deps.onRenditionsChanged();
    }
    this.deps.log.debug({ uri: seg.uri, judged, seconds: (Date.now() - task.begunAt) / 1000, speed: this.meter.speed() }, 'live ladder segment made');
    // Only while the class is live: afterwards nothing waits on the pace, and stopping would waste what was made.
    if (judged && !this.inputEnded) this.judgeLag(task.takenAt);
  }

  /**
   * Stops the follower when a segment taken `since` (the oldest still owed, or the one just made) has waited longer
   * than the lag allowed: a follower that only had a busy moment is still within it.
   */
  private judgeLag(since: number | undefined): void {
    if (since === undefined) return;
    const lag = (Date.now() - since - this.oneOffMs) / 1000;
    const max = this.deps.maxLagSeconds ?? LIVE_LADDER_MAX_LAG_SECONDS;
    if (lag <= max) return;
    const speed = this.meter.speed();
    const pace = speed === null ? 'before its first segment was made' : `making ${speed.toFixed(2)} s of class a second`;
    this.stop(`the live ladder fell ${lag.toFixed(1)} s behind the class (${max} s at most), ${pace}`);
  }

  /** Uploads a made segment of each rendition and grows its live playlist; the milliseconds spent on first probes. */
  private async publish(renditions: FollowedRendition[], seg: TopSegment): Promise<number> {
    let probingMs = 0;
    const layout = recordingLayout(this.recordingId);
    for (const r of renditions) {
      const file = this.fileOf(r, seg);
      const bytes = (await stat(file)).size;
      if (r.codecs === null) {
        const t = Date.now();
        r.codecs = hlsCodecsOf(await this.deps.probe(file, { timeoutMs: 20_000 }));
        probingMs += Date.now() - t;
      }
      await this.deps.storage.putFile(layout.segment(r.name, seg.uri), file, CONTENT_TYPES.ts);
      r.segments.push({ uri: seg.uri, durationSeconds: seg.durationSeconds, bytes });
      await this.deps.storage.putBuffer(layout.renditionPlaylist(r.name), buildLivePlaylist(r.segments, false), CONTENT_TYPES.m3u8);
    }
    return probingMs;
  }

  /** One segment's run: at low priority while the class is live; returns whether it had to start again at normal. */
  private async run(args: string[], lowPriority: boolean): Promise<boolean> {
    if (!lowPriority) {
      await this.deps.ffmpeg.run(args, { timeoutMs: SEGMENT_RUN_TIMEOUT_MS });
      return false;
    }
    const controller = new AbortController();
    this.running = controller;
    try {
      await this.deps.ffmpeg.run(args, { niceness: LIVE_LADDER_NICENESS, timeoutMs: SEGMENT_RUN_TIMEOUT_MS, signal: controller.signal });
      return false;
    } catch (err) {
      if (!(err instanceof FfmpegFailed && err.kind === 'aborted' && this.inputEnded)) throw err;
      await this.deps.ffmpeg.run(args, { timeoutMs: SEGMENT_RUN_TIMEOUT_MS });
      return true;
    } finally {
      this.running = null;
    }
  }
}
