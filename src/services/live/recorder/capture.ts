import { appendFile, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import type { FfmpegExit, RunningFfmpeg } from '../../../adapters/media/ffmpeg-process';
import { chatJsonLine } from '../../../domain/media/chat-transcript';
import { buildLiveEncodeArgs } from '../../../domain/media/ffmpeg-args/live';
import { buildLivePlaylist, buildMasterPlaylist, parseMediaPlaylist } from '../../../domain/media/hls';
import { CONTENT_TYPES, renditionUri, SEGMENT_FILE } from '../../../domain/media/recording-layout';
import { type ChatMessage, isRecordedPicture, type RecordableRoom, type RoomTrack } from '../../live-room';
import { appendSegment, captureFiles, captureKeys, copyForUpload, probeSegment, type CaptureFiles } from './capture-files';
import { AUDIO_SLOTS, AudioChannel, CAMERA_TRACK, type Emit, FIRST_AUDIO_TRACK, LATENCY_MS, type QueuedBlock, SCREEN_TRACK, TICK_MS, VideoChannel } from './channels';
import { MatroskaClusterWriter, matroskaHeader } from './matroska';
import { type LadderOutcome, LadderFollower } from './ladder-follower';
import { PublisherClocks } from './publisher-clocks';
import { RecordingClock } from './recording-clock';
import { StillPictures } from './still-pictures';
import { type CaptureMeta, DEFAULT_CODECS, type JournalLine, type LiveRecorderDeps, type LiveRecorderOptions, type ProbedRendition } from './types';

/** Why a capture leaves the other renditions to the pipeline when its ladder is turned off. */
export const LADDER_OFF_REASON = 'the live ladder is turned off (AULA_LIVE_LADDER=top)';

/**
 * One recording being captured: the room's frames go through the channels into a live Matroska stream on the
 * encoder's stdin; each HLS segment the encoder finishes is appended to the growing source, uploaded, and listed in
 * the live playlist at once. While the recording is paused its clock stands still and nothing is written; on resume
 * media goes on at the next timestamp, so the recording leaves the pause out.
 */
export class Capture {
  private readonly mkv = new MatroskaClusterWriter();
  private readonly camera: VideoChannel;
  private readonly screen: VideoChannel;
  private readonly audio: AudioChannel[];
  private readonly queue: QueuedBlock[] = [];
  private readonly clock: RecordingClock;
  private readonly publisherClocks = new PublisherClocks();
  private readonly encoder: RunningFfmpeg;
  private readonly exited: Promise<FfmpegExit>;
  private readonly files: CaptureFiles;
  private readonly ticker: NodeJS.Timeout;
  private readonly poller: NodeJS.Timeout;
  private uploading: Promise<void> = Promise.resolve();
  private readonly uploaded: JournalLine[] = [];
  /** Seconds of the uploaded segments: where the next one starts. */
  private uploadedSeconds = 0;
  private sourceBytes = 0;
  private chatDirty = false;
  private chatCount = 0;
  private inputEnded = false;
  private backlogWarned = false;
  private readonly roomListeners: Array<() => void> = [];
  /** Makes the lower rungs, the audio rendition and the thumbnails beside the encoder; null when turned off. */
  private readonly follower: LadderFollower | null;
  readonly log: Logger;
  stopping: Promise<RecordingRecord> | null = null;

  constructor(
    readonly meta: CaptureMeta,
    readonly dir: string,
    private readonly room: RecordableRoom,
    private readonly deps: LiveRecorderDeps,
    private readonly options: LiveRecorderOptions,
    paused: boolean,
  ) {
    this.log = deps.logger.child({ recordingId: meta.recordingId, room: meta.liveClassId });
    const emit: Emit = (b) => this.queue.push(b);
    this.clock = new RecordingClock(meta.t0);
    if (paused) this.clock.pause(meta.t0);
    const stills = new StillPictures(deps.ffmpeg, (err) => this.log.warn({ err }, 'could not make a still of a held picture; its last keyframe is repeated'));
    this.camera = new VideoChannel(CAMERA_TRACK, this.clock, this.publisherClocks, emit, stills);
    this.screen = new VideoChannel(SCREEN_TRACK, this.clock, this.publisherClocks, emit, stills);
    this.audio = Array.from({ length: AUDIO_SLOTS }, (_, i) => new AudioChannel(FIRST_AUDIO_TRACK + i, this.clock, this.publisherClocks, emit));

    this.files = captureFiles(dir);
    this.follower = deps.ladder === 'top' ? null : new LadderFollower(dir, meta.recordingId, {
      ffmpeg: deps.ffmpeg, storage: deps.storage, probe: deps.probe, log: this.log, onFfmpegRun: deps.onFfmpegRun,
      onRenditionsChanged: () => this.putMaster(true),
    });
    const args = buildLiveEncodeArgs({ hlsDir: this.files.hlsDir, audioInputs: AUDIO_SLOTS, ...options });
    // Not killed when Aula exits: its stdin closes with Aula, it reads EOF, writes the last segment and ends by
    // itself, and the next start makes that segment part of the recording.
    this.encoder = deps.ffmpeg.start(args, {
      killOnExit: false,
      stderrTailChars: 8_000,
      onStdinError: (err) => this.log.warn({ err }, 'the live encoder stopped reading'),
    });
    this.exited = this.encoder.exited.then((exit) => {
      if (exit.spawnError) this.log.error({ err: exit.spawnError }, 'the live encoder could not start');
      else if (!this.inputEnded) this.log.error({ code: exit.code, signal: exit.signal, stderr: this.encoder.stderrTail().slice(-2_000) }, 'the live encoder stopped during the class; the recording keeps what it wrote');
      return exit;
    });
    this.write(matroskaHeader([
      { number: CAMERA_TRACK, kind: 'video', width: options.width, height: options.height },
      { number: SCREEN_TRACK, kind: 'video', width: 16, height: 16 },
      ...this.audio.map((a) => ({ number: a.trackNumber, kind: 'audio' as const })),
    ]));

    for (const t of room.liveTracks()) this.onTrack(t);
    const onTrack = (t: RoomTrack) => this.onTrack(t);
    const onEnded = (t: RoomTrack) => this.onTrackEnded(t);
    const onChat = (m: ChatMessage) => void this.onChat(m);
    const onPaused = (p: { recordingId: string; paused: boolean }) => {
      if (p.recordingId === meta.recordingId) this.setPaused(p.paused);
    };
    room.on('track', onTrack);
    room.on('track-ended', onEnded);
    room.on('chat', onChat);
    room.on('recording-paused', onPaused);
    this.roomListeners.push(() => room.off('track', onTrack), () => room.off('track-ended', onEnded), () => room.off('chat', onChat), () => room.off('recording-paused', onPaused));

    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.poller = setInterval(() => this.pollSegments(), 500);
  }

  private write(chunk: Buffer): void {
    if (this.inputEnded) return;
    const waiting = this.encoder.write(chunk);
    if (waiting !== null && waiting > 64 * 1024 * 1024 && !this.backlogWarned) {
      this.backlogWarned = true;
      this.log.warn({ bytes: waiting }, 'the live encoder is falling behind real time');
    }
  }

  // ---------------------------------------------------------------- sources

  private onTrack(t: RoomTrack): void {
    if (t.track.kind === 'video') {
      if (!isRecordedPicture(t.role)) return;
      const channel = t.track.source === 'screen' ? this.screen : this.camera;
      channel.attach(t);
      this.log.info({ source: t.track.source, participantId: t.participantId }, 'recording a picture source');
      return;
    }
    if (this.audio.some((a) => a.source?.track === t.track)) return;
    // The instructor's microphone takes the first slot; speakers share the others.
    const free = t.role === 'host' && !this.audio[0]?.source ? this.audio[0] : this.audio.find((a, i) => i > 0 && !a.source) ?? (this.audio[0]?.source ? undefined : this.audio[0]);
    if (!free) {
      this.log.warn({ participantId: t.participantId }, 'every microphone slot of the recording is taken; this voice is not recorded');
      return;
    }
    free.attach(t);
    this.log.info({ participantId: t.participantId, slot: free.trackNumber - FIRST_AUDIO_TRACK }, 'recording a microphone');
  }

  private onTrackEnded(t: RoomTrack): void {
    for (const c of [this.camera, this.screen, ...this.audio]) if (c.source?.track === t.track) c.detach();
  }

  private async onChat(m: ChatMessage): Promise<void> {
    // What is said while the recording is paused is off the record, like the picture and the voice then.
    if (this.clock.paused) return;
    const t = Math.max(0, this.clock.at(Date.parse(m.at)) / 1000);
    const line = chatJsonLine({ t: Math.round(t * 1000) / 1000, author: m.author, text: m.text });
    this.chatCount++;
    this.chatDirty = true;
    await appendFile(this.files.chat, line).catch((err: unknown) => this.log.warn({ err }, 'could not keep a chat line'));
  }

  // ---------------------------------------------------------------- the clock

  private tick(): void {
    if (this.clock.paused) return;
    const now = Date.now();
    const horizon = this.clock.at(now) - LATENCY_MS;
    for (const c of [this.camera, this.screen, ...this.audio]) c.tick(horizon, now);
    this.flush(horizon);
  }

  /**
   * Pausing writes every source up to the present and stops the clock: the encoder has the whole recording so far
   * and then nothing. Resuming starts the clock again where it stopped; each picture waits for a new keyframe.
   */
  private setPaused(paused: boolean): void {
    if (this.inputEnded || paused === this.clock.paused) return;
    const now = Date.now();
    const at = this.clock.at(now);
    if (paused) {
      this.fillUpTo(at, now);
      this.clock.pause(now);
    } else {
      this.clock.resume(now);
      this.publisherClocks.clear();
      for (const c of [this.camera, this.screen, ...this.audio]) c.resume(now);
    }
    this.log.info({ atSeconds: at / 1000 }, paused ? 'recording paused' : 'recording resumed');
  }

  /** Every source written up to `at` (recording ms), and everything queued handed to the encoder. */
  private fillUpTo(at: number, now: number): void {
    for (const c of [this.camera, this.screen]) c.tick(at, now);
    for (const a of this.audio) a.finish(at);
    this.flush(Number.POSITIVE_INFINITY);
  }

  private flush(upTo: number): void {
    if (this.queue.length === 0) return;
    this.queue.sort((a, b) => a.ts - b.ts);
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.ts <= upTo) n++;
    if (n === 0) return;
    const chunks = this.queue.splice(0, n).map((b) => this.mkv.block(b.track, b.ts, b.keyframe, b.data));
    this.write(Buffer.concat(chunks));
  }

  // ---------------------------------------------------------------- segments

  private pollSegments(): void {
    this.uploading = this.uploading.then(() => this.uploadNewSegments(false)).catch((err: unknown) => this.log.warn({ err }, 'could not upload a live segment; will retry'));
  }

  private async uploadNewSegments(final: boolean): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.files.playlist, 'utf8');
    } catch {
      return;
    }
    const listed = parseMediaPlaylist(text).segments;
    let added = false;
    for (const seg of listed.slice(this.uploaded.length)) {
      if (!SEGMENT_FILE.test(seg.uri)) continue;
      if (!this.probed) this.probed = await probeSegment(this.deps.probe, this.files.segment(seg.uri), this.log);
      // Before the upload, which moves the file away.
      await this.follower?.take(this.files.segment(seg.uri), { uri: seg.uri, durationSeconds: seg.durationSeconds, startSeconds: this.uploadedSeconds });
      const line = await appendSegment(this.files, seg.uri, seg.durationSeconds, this.sourceBytes, this.keys.segment(seg.uri), this.deps.storage);
      this.sourceBytes = line.sourceBytes;
      this.uploaded.push(line);
      this.uploadedSeconds += seg.durationSeconds;
      added = true;
      if (this.uploaded.length === 1) this.log.info('first live segment uploaded');
    }
    if (added && !final) {
      await this.deps.storage.putBuffer(this.keys.playlist, buildLivePlaylist(this.uploaded, false), CONTENT_TYPES.m3u8);
      await this.putMaster();
    }
    if (this.chatDirty && !final) {
      this.chatDirty = false;
      await this.deps.storage.putFile(this.keys.chat, await copyForUpload(this.files.chat), CONTENT_TYPES.chatLog);
    }
  }

  private masterWritten = false;
  /** Codecs and size of the first segment, for the master playlist. */
  probed: ProbedRendition | null = null;
  /**
   * The live master: written once at the first segment (`rewrite` false), and written again (`rewrite` true) when the
   * followed renditions change, which only matters once it exists.
   */
  private async putMaster(rewrite = false): Promise<void> {
    if (this.masterWritten !== rewrite) return;
    this.masterWritten = true;
    const p = this.probed ?? { codecs: DEFAULT_CODECS, width: this.meta.width, height: this.meta.height };
    const top = { uri: renditionUri(this.meta.rendition), bandwidth: this.options.maxKbps * 1000, averageBandwidth: this.options.maxKbps * 800, width: p.width, height: p.height, codecs: p.codecs };
    await this.deps.storage.putBuffer(this.keys.master, buildMasterPlaylist([top, ...(this.follower?.liveEntries() ?? [])]), CONTENT_TYPES.m3u8);
  }

  get keys() {
    return captureKeys(this.meta.recordingId, this.meta.rendition);
  }

  // ---------------------------------------------------------------- ending

  /**
   * Ends the input at `now`, lets FFmpeg finish the last segment, uploads everything, lets the ladder finish its
   * last segments; returns what was captured.
   */
  async end(): Promise<{ segments: JournalLine[]; endedAt: string; chat: boolean; ladder: Promise<LadderOutcome>; ladderLive: boolean }> {
    const endedAt = new Date().toISOString();
    const endMs = this.clock.at(Date.parse(endedAt));
    this.follower?.endOfInput();
    for (const off of this.roomListeners.splice(0)) off();
    clearInterval(this.ticker);
    if (!this.clock.paused) this.fillUpTo(endMs, Date.now());
    for (const c of [this.camera, this.screen, ...this.audio]) c.detach();
    this.flush(Number.POSITIVE_INFINITY);
    this.inputEnded = true;
    this.encoder.endInput();
    const timer = setTimeout(() => this.kill(), 30_000);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    clearInterval(this.poller);
    if (code !== 0) this.log.warn({ code, signal, stderr: this.encoder.stderrTail().slice(-2_000) }, 'the live encoder ended with an error; keeping what it wrote');
    await this.uploading.catch(() => undefined);
    await this.uploadNewSegments(true);
    const encoderDone = Date.now();
    this.log.info({ encoderSeconds: (encoderDone - Date.parse(endedAt)) / 1000 }, 'the live encoder finished');
    // The follower's last segments are left running: what needs only the top rung is made meanwhile.
    const ladder: Promise<LadderOutcome> = this.follower
      ? this.follower.finish().then((outcome) => {
        this.log.info({ ladderSeconds: (Date.now() - encoderDone) / 1000, ladder: outcome.kind }, 'the live ladder finished');
        return outcome;
      })
      : Promise.resolve({ kind: 'stopped', reason: LADDER_OFF_REASON });
    const ladderLive = this.follower !== null && this.follower.stopped === null;
    return { segments: [...this.uploaded], endedAt, chat: this.chatCount > 0, ladder, ladderLive };
  }

  kill(): void {
    this.encoder.kill();
  }
}
