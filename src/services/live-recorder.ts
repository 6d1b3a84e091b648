import { readJsonLines } from '../adapters/json-lines';
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { RecordingRecord, RecordingRepository } from '../adapters/db/recording-repository';
import { probeMedia } from '../adapters/media/ffprobe';
import type { MediaFrame, PublishedTrack } from '../adapters/sfu/sfu';
import { type MediaStorage, readStoredText } from '../adapters/storage/media-storage';
import {
  buildMasterPlaylist,
  hlsCodecsOf,
  measureBandwidth,
  parseMediaPlaylist,
  SEGMENT_SECONDS,
  VARIANT_PLAYLIST,
  VIDEO_RUNGS,
} from '../domain/media/ladder';
import type { RecordingMedia, RecordingMetadata } from '../domain/recording-media';
import type { ChatMessage, RecordableRoom, RoomRecorderPort, RoomTrack } from './live-room';
import { outputKeys } from './media-pipeline';
import type { Actor, LiveCapture, RecordingService } from './recordings';

/**
 * Records a native live class while it happens. The room's encoded frames (VP8 camera and screen, Opus
 * microphones) are written, stamped on one clock, into a live Matroska stream on FFmpeg's stdin; FFmpeg
 * composes camera and screen (camera as picture-in-picture while a screen is shared), mixes the
 * microphones and writes H.264/AAC HLS segments as the class goes on. Each finished segment is uploaded
 * at once, with the playlist, so ending the class only finalises the playlist: the recording is ready
 * within seconds however long the class was. A source file for the full pipeline grows alongside.
 */

// ------------------------------------------------------------------ Matroska, live (unknown sizes)

const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function vint(n: number): Buffer {
  for (let len = 1; len <= 8; len++) {
    if (n < 2 ** (7 * len) - 1) {
      const out = Buffer.alloc(len);
      let v = n;
      for (let i = len - 1; i >= 0; i--) {
        out[i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      out[0] = (out[0] ?? 0) | (0x80 >> (len - 1));
      return out;
    }
  }
  throw new Error(`EBML size too large: ${n}`);
}

function uintBytes(n: number): Buffer {
  const bytes: number[] = [];
  let v = Math.max(0, Math.floor(n));
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return Buffer.from(bytes);
}

function element(id: number, body: Buffer | Buffer[]): Buffer {
  const payload = Array.isArray(body) ? Buffer.concat(body) : body;
  return Buffer.concat([uintBytes(id), vint(payload.length), payload]);
}

const uint = (id: number, n: number) => element(id, uintBytes(n));
const str = (id: number, s: string) => element(id, Buffer.from(s, 'utf8'));
function float(id: number, n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return element(id, b);
}

export interface MkvTrack {
  number: number;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
}

/** OpusHead (RFC 7845): stereo, 312 samples pre-skip, 48 kHz. */
function opusHead(): Buffer {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'ascii');
  b.writeUInt8(1, 8);
  b.writeUInt8(2, 9);
  b.writeUInt16LE(312, 10);
  b.writeUInt32LE(48_000, 12);
  b.writeInt16LE(0, 16);
  b.writeUInt8(0, 18);
  return b;
}

/** EBML header, then a Segment and Tracks of unknown size so clusters can follow for as long as the class lasts. */
export function matroskaHeader(tracks: readonly MkvTrack[]): Buffer {
  const ebml = element(0x1a45dfa3, [uint(0x4286, 1), uint(0x42f7, 1), uint(0x42f2, 4), uint(0x42f3, 8), str(0x4282, 'webm'), uint(0x4287, 4), uint(0x4285, 2)]);
  const info = element(0x1549a966, [uint(0x2ad7b1, 1_000_000), str(0x4d80, 'Aula'), str(0x5741, 'Aula')]);
  const entries = tracks.map((t) =>
    element(0xae, [
      uint(0xd7, t.number),
      uint(0x73c5, t.number),
      uint(0x83, t.kind === 'video' ? 1 : 2),
      uint(0x9c, 0),
      str(0x86, t.kind === 'video' ? 'V_VP8' : 'A_OPUS'),
      ...(t.kind === 'video'
        ? [element(0xe0, [uint(0xb0, t.width ?? 1280), uint(0xba, t.height ?? 720)])]
        : [uint(0x56aa, 6_500_000), uint(0x56bb, 80_000_000), element(0x63a2, opusHead()), element(0xe1, [float(0xb5, 48_000), uint(0x9f, 2)])]),
    ]),
  );
  return Buffer.concat([ebml, uintBytes(0x18538067), UNKNOWN_SIZE, info, element(0x1654ae6b, entries)]);
}

/** Clusters of unknown size, a new one every second of media; blocks carry 16-bit offsets from their cluster. */
export class MatroskaClusterWriter {
  private clusterTs: number | null = null;

  block(track: number, tsMs: number, keyframe: boolean, data: Buffer): Buffer {
    const ts = Math.max(0, Math.round(tsMs));
    const parts: Buffer[] = [];
    if (this.clusterTs === null || ts - this.clusterTs >= 1000 || ts - this.clusterTs < -30_000) {
      this.clusterTs = ts;
      parts.push(uintBytes(0x1f43b675), UNKNOWN_SIZE, uint(0xe7, ts));
    }
    const head = Buffer.alloc(4);
    head.writeUInt8(0x80 | track, 0);
    head.writeInt16BE(ts - this.clusterTs, 1);
    head.writeUInt8(keyframe ? 0x80 : 0x00, 3);
    parts.push(element(0xa3, [head, data]));
    return Buffer.concat(parts);
  }
}

// ------------------------------------------------------------------ filler media

/** A 16×16 black VP8 keyframe (made once by libvpx): the picture of a camera or screen that is absent. */
export const FILLER_VP8_KEYFRAME = Buffer.from('1002009d012a100010000047088585889984880202000c0d6000feffab5080', 'hex');
/** 20 ms of Opus silence (CELT, fullband, mono). */
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/** Duration of an Opus packet from its TOC byte (RFC 6716 §3.1), in milliseconds. */
export function opusPacketMs(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) return 20;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config % 4]! : config < 16 ? [10, 20][config % 2]! : [2.5, 5, 10, 20][config % 4]!;
  const code = toc & 0x3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return frameMs * Math.max(1, frames);
}

// ------------------------------------------------------------------ FFmpeg arguments (pure)

export interface LiveEncodeOptions {
  hlsDir: string;
  audioInputs: number;
  width: number;
  height: number;
  fps: number;
  preset: string;
  crf: number;
  maxKbps: number;
  audioKbps: number;
}

/** Where the camera goes while a screen is shared: a quarter-size picture with a light border, bottom right. */
export function pictureInPicture(width: number, height: number) {
  const w = Math.round(width / 4 / 2) * 2;
  const h = Math.round(height / 4 / 2) * 2;
  const border = 2;
  const margin = Math.round(width / 50);
  return { x: width - margin - w - 2 * border, y: height - margin - h - 2 * border, w, h, border, margin };
}

/**
 * stdin Matroska (camera, screen, N microphones) → one H.264/AAC HLS rendition. A screen narrower than
 * 32 px is the filler: the camera fills the picture; a real screen fills it with the camera in a corner.
 */
export function buildLiveEncodeArgs(o: LiveEncodeOptions): string[] {
  const { width: W, height: H } = o;
  const pip = pictureInPicture(W, H);
  const b = pip.border;
  const video = [
    `[0:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,split[camA][camB]`,
    `[0:v:1]scale=w=if(lt(iw\\,32)\\,16\\,${W}):h=if(lt(iw\\,32)\\,16\\,${H}):force_original_aspect_ratio=decrease:force_divisible_by=2,` +
      `pad=w=if(lt(iw\\,32)\\,iw\\,${W}):h=if(lt(iw\\,32)\\,ih\\,${H}):x=(ow-iw)/2:y=(oh-ih)/2,setsar=1[scr]`,
    `[camB][scr]scale2ref=w=if(lt(iw\\,32)\\,16\\,${pip.w}):h=if(lt(iw\\,32)\\,16\\,${pip.h})[pip0][scr2]`,
    `[pip0]pad=w=iw+${2 * b}:h=ih+${2 * b}:x=${b}:y=${b}:color=0xE0E0E0[pip]`,
    `[camA][scr2]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,0):y=0[m1]`,
    `[m1][pip]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,main_w-overlay_w-${pip.margin}):y=main_h-overlay_h-${pip.margin},fps=${o.fps},format=yuv420p[v]`,
  ];
  const audioLabels = Array.from({ length: o.audioInputs }, (_, i) => `[0:a:${i}]`).join('');
  const audio = `${audioLabels}amix=inputs=${o.audioInputs}:duration=longest:dropout_transition=0:normalize=0,aresample=async=1000[a]`;
  const gop = Math.round(o.fps * SEGMENT_SECONDS);
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-analyzeduration', '1000000', '-probesize', '2000000',
    '-f', 'matroska', '-i', 'pipe:0',
    '-filter_complex', [...video, audio].join(';'),
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', o.preset, '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-crf', String(o.crf), '-maxrate', `${o.maxKbps}k`, '-bufsize', `${o.maxKbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`,
    '-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ar', '48000', '-ac', '2',
    '-max_muxing_queue_size', '4096',
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_list_size', '0', '-hls_playlist_type', 'event',
    '-hls_flags', 'independent_segments+temp_file', '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', path.join(o.hlsDir, 'seg_%05d.ts'),
    path.join(o.hlsDir, VARIANT_PLAYLIST),
  ];
}

export interface LiveSegment {
  uri: string;
  durationSeconds: number;
  bytes: number;
}

/** A media playlist of the segments uploaded so far; `ended` makes it a finished VOD playlist. */
export function buildLivePlaylist(segments: readonly LiveSegment[], ended: boolean): string {
  const target = Math.max(SEGMENT_SECONDS, ...segments.map((s) => Math.ceil(s.durationSeconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', `#EXT-X-PLAYLIST-TYPE:${ended ? 'VOD' : 'EVENT'}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const s of segments) lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  if (ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

export function renditionNameFor(height: number): string {
  return VIDEO_RUNGS.find((r) => r.shortSide === height)?.name ?? `${height}p`;
}

// ------------------------------------------------------------------ channels: one clock for every source

const LATENCY_MS = 400;
const TICK_MS = 40;
const VIDEO_FILLER_INTERVAL_MS = 100;
// A picture that stops for this long is held (its last keyframe repeated) until a fresh keyframe arrives.
const VIDEO_HOLD_MS = 1_000;
const AUDIO_STALL_MS = 200;
const SILENCE_MS = 20;
const AUDIO_SLOTS = 4;
const CAMERA_TRACK = 1;
const SCREEN_TRACK = 2;
const FIRST_AUDIO_TRACK = 3;

interface QueuedBlock {
  ts: number;
  track: number;
  keyframe: boolean;
  data: Buffer;
}

type Emit = (block: QueuedBlock) => void;

/** One track slot of the recording: follows the frames of whichever room track is attached to it. */
abstract class TrackChannel {
  source: RoomTrack | null = null;
  protected lastArrival = 0;
  private unlisten: (() => void) | null = null;

  constructor(
    readonly trackNumber: number,
    protected readonly t0: number,
    protected readonly emit: Emit,
  ) {}

  attach(source: RoomTrack): void {
    this.detach();
    this.source = source;
    const onFrame = (f: MediaFrame) => this.onFrame(f);
    source.track.on('frame', onFrame);
    this.unlisten = () => source.track.off('frame', onFrame);
    this.onAttach(source);
  }

  detach(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.source = null;
    this.onDetach();
  }

  protected onAttach(_source: RoomTrack): void {}
  protected onDetach(): void {}
  protected abstract onFrame(f: MediaFrame): void;
  abstract tick(horizon: number, now: number): void;
}

/**
 * A picture source: real VP8 frames while its track sends them, black filler frames while no track is attached.
 * While a track is attached but its frames stall or one is lost, the channel repeats the track's last keyframe
 * until the keyframe it asks for arrives: the layout stays (a static shared slide sends almost no frames) and no
 * delta frame is ever decoded against a picture that is missing.
 */
class VideoChannel extends TrackChannel {
  private state: 'filler' | 'waiting' | 'live' = 'filler';
  private lastTs = -1;
  private anchor = 0;
  private lastKeyframe: Buffer | null = null;

  protected override onAttach(source: RoomTrack): void {
    this.state = 'waiting';
    this.lastKeyframe = null;
    source.track.requestKeyframe();
  }

  protected override onDetach(): void {
    this.state = 'filler';
    this.lastKeyframe = null;
  }

  protected onFrame(f: MediaFrame): void {
    const arrival = f.receivedAt - this.t0;
    if (this.state === 'live' && !f.intact && !f.keyframe) this.state = 'waiting';
    if (this.state !== 'live') {
      // Decoding can only resume on a keyframe: the decoder's reference is a repeated or filler picture.
      if (!f.keyframe) {
        this.source?.track.requestKeyframe();
        return;
      }
      this.state = 'live';
      this.anchor = arrival - f.mediaTimeMs;
    }
    if (f.keyframe) this.lastKeyframe = f.data;
    let ts = f.mediaTimeMs + this.anchor;
    if (Math.abs(ts - arrival) > 1_000) {
      this.anchor = arrival - f.mediaTimeMs;
      ts = arrival;
    }
    ts = Math.max(ts, this.lastTs + 1);
    this.lastTs = ts;
    this.lastArrival = f.receivedAt;
    this.emit({ ts, track: this.trackNumber, keyframe: f.keyframe, data: f.data });
  }

  tick(horizon: number, now: number): void {
    if (this.state === 'live' && now - this.lastArrival > VIDEO_HOLD_MS) this.state = this.source ? 'waiting' : 'filler';
    if (this.state === 'live') return;
    if (this.state === 'waiting') this.source?.track.requestKeyframe();
    const picture = (this.state === 'waiting' && this.lastKeyframe) || FILLER_VP8_KEYFRAME;
    for (let ts = this.lastTs < 0 ? 0 : this.lastTs + VIDEO_FILLER_INTERVAL_MS; ts <= horizon; ts += VIDEO_FILLER_INTERVAL_MS) {
      this.lastTs = ts;
      this.emit({ ts, track: this.trackNumber, keyframe: true, data: picture });
    }
  }
}

/** A microphone slot: real Opus packets while someone speaks into it, silence otherwise, never a gap. */
class AudioChannel extends TrackChannel {
  private endTs = 0;
  private anchor: number | null = null;

  protected override onAttach(): void {
    this.anchor = null;
  }

  private silenceUntil(ts: number): void {
    while (this.endTs + SILENCE_MS <= ts) {
      this.emit({ ts: this.endTs, track: this.trackNumber, keyframe: true, data: OPUS_SILENCE });
      this.endTs += SILENCE_MS;
    }
  }

  protected onFrame(f: MediaFrame): void {
    const arrival = f.receivedAt - this.t0;
    if (this.anchor === null || f.receivedAt - this.lastArrival > 1_000) this.anchor = arrival - f.mediaTimeMs;
    let ts = f.mediaTimeMs + this.anchor;
    if (Math.abs(ts - arrival) > 1_000) {
      this.anchor = arrival - f.mediaTimeMs;
      ts = arrival;
    }
    if (ts < this.endTs) {
      // Silence already covers this moment: the voice continues right after it.
      this.anchor += this.endTs - ts;
      ts = this.endTs;
    } else if (ts > this.endTs + 3 * SILENCE_MS) {
      this.silenceUntil(ts);
      ts = Math.max(ts, this.endTs);
    }
    this.lastArrival = f.receivedAt;
    this.emit({ ts, track: this.trackNumber, keyframe: true, data: f.data });
    this.endTs = ts + opusPacketMs(f.data);
  }

  tick(horizon: number, now: number): void {
    if (this.source && now - this.lastArrival <= AUDIO_STALL_MS) return;
    this.silenceUntil(horizon);
  }

  finish(until: number): void {
    this.silenceUntil(until);
  }
}

// ------------------------------------------------------------------ one recording being captured

interface CaptureMeta {
  recordingId: string;
  liveClassId: string;
  startedAt: string;
  t0: number;
  rendition: string;
  width: number;
  height: number;
}

interface JournalLine extends LiveSegment {
  sourceBytes: number;
}

/** How the recorder encodes: the live encode's settings, less what each capture decides for itself. */
export type LiveRecorderOptions = Omit<LiveEncodeOptions, 'hlsDir' | 'audioInputs'>;

const DEFAULT_OPTIONS: LiveRecorderOptions = { width: 1280, height: 720, fps: 25, preset: 'veryfast', crf: 23, maxKbps: 2500, audioKbps: 128 };

class Capture {
  private readonly mkv = new MatroskaClusterWriter();
  private readonly camera: VideoChannel;
  private readonly screen: VideoChannel;
  private readonly audio: AudioChannel[];
  private readonly queue: QueuedBlock[] = [];
  private readonly ffmpeg: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrTail = '';
  private readonly ticker: NodeJS.Timeout;
  private readonly poller: NodeJS.Timeout;
  private uploading: Promise<void> = Promise.resolve();
  private readonly uploaded: JournalLine[] = [];
  private sourceBytes = 0;
  private chatDirty = false;
  private chatCount = 0;
  private inputEnded = false;
  private backlogWarned = false;
  private readonly roomListeners: Array<() => void> = [];
  readonly log: Logger;
  stopping: Promise<RecordingRecord> | null = null;

  constructor(
    readonly meta: CaptureMeta,
    readonly dir: string,
    private readonly room: RecordableRoom,
    private readonly deps: LiveRecorderDeps,
    private readonly options: LiveRecorderOptions,
  ) {
    this.log = deps.logger.child({ recordingId: meta.recordingId, room: meta.liveClassId });
    const emit: Emit = (b) => this.queue.push(b);
    this.camera = new VideoChannel(CAMERA_TRACK, meta.t0, emit);
    this.screen = new VideoChannel(SCREEN_TRACK, meta.t0, emit);
    this.audio = Array.from({ length: AUDIO_SLOTS }, (_, i) => new AudioChannel(FIRST_AUDIO_TRACK + i, meta.t0, emit));

    const args = buildLiveEncodeArgs({ hlsDir: path.join(dir, 'hls'), audioInputs: AUDIO_SLOTS, ...options });
    this.ffmpeg = spawn('ffmpeg', args, { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.ffmpeg.once('close', (code, signal) => {
        if (!this.inputEnded) this.log.error({ code, signal, stderr: this.stderrTail.slice(-2_000) }, 'the live encoder stopped during the class; the recording keeps what it wrote');
        resolve({ code, signal });
      });
      this.ffmpeg.once('error', (err) => {
        this.log.error({ err }, 'the live encoder could not start');
        resolve({ code: null, signal: null });
      });
    });
    this.ffmpeg.stderr?.setEncoding('utf8');
    this.ffmpeg.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-8_000);
    });
    this.ffmpeg.stdin?.on('error', (err) => this.log.warn({ err }, 'the live encoder stopped reading'));
    this.write(matroskaHeader([
      { number: CAMERA_TRACK, kind: 'video', width: options.width, height: options.height },
      { number: SCREEN_TRACK, kind: 'video', width: 16, height: 16 },
      ...this.audio.map((a) => ({ number: a.trackNumber, kind: 'audio' as const })),
    ]));

    for (const t of room.liveTracks()) this.onTrack(t);
    const onTrack = (t: RoomTrack) => this.onTrack(t);
    const onEnded = (t: RoomTrack) => this.onTrackEnded(t);
    const onChat = (m: ChatMessage) => void this.onChat(m);
    room.on('track', onTrack);
    room.on('track-ended', onEnded);
    room.on('chat', onChat);
    this.roomListeners.push(() => room.off('track', onTrack), () => room.off('track-ended', onEnded), () => room.off('chat', onChat));

    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.poller = setInterval(() => this.pollSegments(), 500);
  }

  private write(chunk: Buffer): void {
    const stdin = this.ffmpeg.stdin;
    if (!stdin || stdin.destroyed || this.inputEnded) return;
    stdin.write(chunk);
    if (stdin.writableLength > 64 * 1024 * 1024 && !this.backlogWarned) {
      this.backlogWarned = true;
      this.log.warn({ bytes: stdin.writableLength }, 'the live encoder is falling behind real time');
    }
  }

  // ---------------------------------------------------------------- sources

  private onTrack(t: RoomTrack): void {
    if (t.track.kind === 'video') {
      if (t.role !== 'host') return;
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
    const t = Math.max(0, (Date.parse(m.at) - this.meta.t0) / 1000);
    const line = `${JSON.stringify({ t: Math.round(t * 1000) / 1000, author: m.author, text: m.text })}\n`;
    this.chatCount++;
    this.chatDirty = true;
    await appendFile(path.join(this.dir, 'chat.jsonl'), line).catch((err: unknown) => this.log.warn({ err }, 'could not keep a chat line'));
  }

  // ---------------------------------------------------------------- the clock

  private tick(): void {
    const now = Date.now();
    const horizon = now - this.meta.t0 - LATENCY_MS;
    for (const c of [this.camera, this.screen, ...this.audio]) c.tick(horizon, now);
    this.flush(horizon);
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
      text = await readFile(path.join(this.dir, 'hls', VARIANT_PLAYLIST), 'utf8');
    } catch {
      return;
    }
    const listed = parseMediaPlaylist(text).segments;
    let added = false;
    for (const seg of listed.slice(this.uploaded.length)) {
      if (!/^seg_\d{5}\.ts$/.test(seg.uri)) continue;
      if (!this.probed) this.probed = await probeSegment(path.join(this.dir, 'hls', seg.uri), this.log);
      const line = await appendSegment(this.dir, seg.uri, seg.durationSeconds, this.sourceBytes, this.keys.segment(seg.uri), this.deps.storage);
      this.sourceBytes = line.sourceBytes;
      this.uploaded.push(line);
      added = true;
      if (this.uploaded.length === 1) this.log.info('first live segment uploaded');
    }
    if (added && !final) {
      await this.deps.storage.putBuffer(this.keys.playlist, buildLivePlaylist(this.uploaded, false), 'application/vnd.apple.mpegurl');
      await this.putMaster();
    }
    if (this.chatDirty && !final) {
      this.chatDirty = false;
      await this.deps.storage.putFile(this.keys.chat, await copyForUpload(path.join(this.dir, 'chat.jsonl')), 'application/x-ndjson');
    }
  }

  private masterWritten = false;
  /** Codecs and size of the first segment, for the master playlist. */
  probed: ProbedRendition | null = null;
  private async putMaster(): Promise<void> {
    if (this.masterWritten) return;
    this.masterWritten = true;
    const p = this.probed ?? { codecs: DEFAULT_CODECS, width: this.meta.width, height: this.meta.height };
    await this.deps.storage.putBuffer(this.keys.master, buildMasterPlaylist([{ uri: `${this.meta.rendition}/${VARIANT_PLAYLIST}`, bandwidth: this.options.maxKbps * 1000, averageBandwidth: this.options.maxKbps * 800, width: p.width, height: p.height, codecs: p.codecs }]), 'application/vnd.apple.mpegurl');
  }

  get keys() {
    return captureKeys(this.meta.recordingId, this.meta.rendition);
  }

  // ---------------------------------------------------------------- ending

  /** Ends the input at `now`, lets FFmpeg finish the last segment, uploads everything; returns what was captured. */
  async end(): Promise<{ segments: JournalLine[]; endedAt: string; chat: boolean }> {
    const endMs = Date.now() - this.meta.t0;
    for (const off of this.roomListeners.splice(0)) off();
    clearInterval(this.ticker);
    for (const c of [this.camera, this.screen]) c.tick(endMs, Date.now());
    for (const a of this.audio) a.finish(endMs);
    for (const c of [this.camera, this.screen, ...this.audio]) c.detach();
    this.flush(Number.POSITIVE_INFINITY);
    this.inputEnded = true;
    this.ffmpeg.stdin?.end();
    const timer = setTimeout(() => this.kill(), 30_000);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    clearInterval(this.poller);
    if (code !== 0) this.log.warn({ code, signal, stderr: this.stderrTail.slice(-2_000) }, 'the live encoder ended with an error; keeping what it wrote');
    await this.uploading.catch(() => undefined);
    await this.uploadNewSegments(true);
    return { segments: [...this.uploaded], endedAt: new Date(this.meta.t0 + endMs).toISOString(), chat: this.chatCount > 0 };
  }

  kill(): void {
    const pid = this.ffmpeg.pid;
    if (pid === undefined || this.ffmpeg.exitCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Live encoders are deliberately not killed when Aula exits: their stdin closes with Aula, they read EOF,
 * write the last segment and end by themselves, and the next start makes that segment part of the recording.
 */

function captureKeys(recordingId: string, rendition: string) {
  const k = outputKeys(recordingId);
  return {
    master: k.master,
    playlist: `${k.hlsPrefix}${rendition}/${VARIANT_PLAYLIST}`,
    segment: (uri: string) => `${k.hlsPrefix}${rendition}/${uri}`,
    source: `${k.prefix}source/original.ts`,
    chat: `${k.prefix}source/chat.jsonl`,
  };
}

interface ProbedRendition {
  codecs: string;
  width: number | null;
  height: number | null;
}

const DEFAULT_CODECS = 'avc1.64001f,mp4a.40.2';

async function probeSegment(file: string, log: Logger): Promise<ProbedRendition | null> {
  try {
    const probe = await probeMedia(file, { timeoutMs: 20_000 });
    return {
      codecs: hlsCodecsOf(probe),
      width: probe.video?.width ?? null,
      height: probe.video?.height ?? null,
    };
  } catch (err) {
    log.warn({ err }, 'could not probe a live segment; the master playlist uses the encoder settings');
    return null;
  }
}

/** storage.putFile consumes its file; chat and the growing source are copied first. */
async function copyForUpload(file: string): Promise<string> {
  const copy = `${file}.upload-${process.pid}-${Date.now()}`;
  await pipeline(createReadStream(file), createWriteStream(copy));
  return copy;
}

/**
 * Appends a finished segment to the growing source file, uploads it, then notes both in the journal.
 * After a crash the journal says how much of the source file is whole.
 */
async function appendSegment(dir: string, uri: string, durationSeconds: number, sourceBytes: number, key: string, storage: MediaStorage): Promise<JournalLine> {
  const file = path.join(dir, 'hls', uri);
  const bytes = (await stat(file)).size;
  const source = path.join(dir, 'source.ts');
  await pipeline(createReadStream(file), createWriteStream(source, { flags: 'a' }));
  const line: JournalLine = { uri, durationSeconds, bytes, sourceBytes: sourceBytes + bytes };
  await storage.putFile(key, file, 'video/mp2t');
  await appendFile(path.join(dir, 'segments.jsonl'), `${JSON.stringify(line)}\n`);
  return line;
}

function readJournal(dir: string): Promise<JournalLine[]> {
  return readJsonLines<JournalLine>(path.join(dir, 'segments.jsonl'));
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ the recorder

export interface LiveRecorderDeps {
  storage: MediaStorage;
  recordings: Pick<RecordingService, 'finishLive' | 'queueLiveProcessing' | 'stop' | 'setLiveCapture'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'list'>;
  /** Local folder of recordings in progress: `<dir>/<recordingId>/`. */
  workDir: string;
  logger: Logger;
  /** Only this process records (SQLite): an unfinished capture at start belongs to a process that died. */
  soleProcess: boolean;
  options?: Partial<LiveRecorderOptions> | undefined;
}

export interface LiveRecorder extends RoomRecorderPort, LiveCapture {
  /** Turns captures a dead process left behind into playable recordings. Returns how many. */
  recoverInterrupted(): Promise<number>;
  /** Finishes every capture (their recordings become playable) and stops. Idempotent. */
  close(): Promise<void>;
}

const RECOVERY_STALE_MS = 60_000;

export function createLiveRecorder(deps: LiveRecorderDeps): LiveRecorder {
  const options: LiveRecorderOptions = { ...DEFAULT_OPTIONS, ...(deps.options ?? {}) };
  const captures = new Map<string, Capture>();
  const recovering = new Set<string>();
  const { logger, storage } = deps;
  let closed = false;
  let recoveryTimer: NodeJS.Timeout | null = null;

  /** Final playlist and master, source and chat in storage, then the recording is ready and the pipeline queued. */
  async function publishFinal(input: {
    recordingId: string;
    rendition: string;
    segments: LiveSegment[];
    sourcePath: string | null;
    chatPath: string | null;
    chatAlreadyStored: boolean;
    probed: ProbedRendition | null;
    endedAt: string;
    actor: Actor;
    reason: string;
    log: Logger;
  }): Promise<RecordingRecord> {
    const keys = captureKeys(input.recordingId, input.rendition);
    const { peak, average } = measureBandwidth(input.segments.map((s) => ({ durationSeconds: s.durationSeconds, sizeBytes: s.bytes })));
    let probed = input.probed;
    const first = input.segments[0];
    if (!probed && first) {
      const local = await storage.localPathFor(keys.segment(first.uri), path.join(deps.workDir, input.recordingId)).catch(() => null);
      if (local) {
        probed = await probeSegment(local.path, input.log);
        await local.cleanup();
      }
    }
    const { codecs, width, height } = probed ?? { codecs: DEFAULT_CODECS, width: options.width, height: options.height };
    await storage.putBuffer(keys.playlist, buildLivePlaylist(input.segments, true), 'application/vnd.apple.mpegurl');
    await storage.putBuffer(keys.master, buildMasterPlaylist([{ uri: `${input.rendition}/${VARIANT_PLAYLIST}`, bandwidth: peak, averageBandwidth: average, width, height, codecs }]), 'application/vnd.apple.mpegurl');
    const chatToUpload = input.chatPath && (await exists(input.chatPath)) ? input.chatPath : null;
    const chatKey: string | null = input.chatAlreadyStored || chatToUpload ? keys.chat : null;
    const sourceSize = input.sourcePath ? (await stat(input.sourcePath)).size : input.segments.reduce((sum, s) => sum + s.bytes, 0);
    const durationSeconds = Math.round(input.segments.reduce((sum, s) => sum + s.durationSeconds, 0) * 1000) / 1000;
    const media: RecordingMedia = {
      masterKey: keys.master,
      renditions: [{ name: input.rendition, width, height, bandwidth: peak, codecs, playlistKey: keys.playlist }],
      posterKey: null, spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, captionsVttKey: null,
    };
    const metadata: RecordingMetadata = { durationSeconds, width, height, videoCodec: 'h264', audioCodec: 'aac', bitRate: average, sizeBytes: sourceSize };
    const rec = await deps.recordings.finishLive(input.recordingId, input.actor, input.reason, { media, metadata, sourceKey: keys.source, sourceSize, chatKey, endedAt: input.endedAt });
    input.log.info({ durationSeconds, segments: input.segments.length }, 'live recording playable');
    // Playable already; the source (a rename on local storage, an upload on S3) and chat follow, then the pipeline.
    if (chatToUpload) await storage.putFile(keys.chat, chatToUpload, 'application/x-ndjson');
    if (input.sourcePath) await storage.putFile(keys.source, input.sourcePath, 'video/mp2t');
    await deps.recordings.queueLiveProcessing(input.recordingId);
    return rec;
  }

  async function finishCapture(capture: Capture, actor: Actor, reason: string): Promise<RecordingRecord> {
    const started = Date.now();
    const { recordingId } = capture.meta;
    const { segments, endedAt } = await capture.end();
    captures.delete(recordingId);
    if (segments.length === 0) {
      capture.log.warn('the live encoder produced nothing; the recording is handed to processing without media');
      return deps.recordings.stop(actor, recordingId, reason);
    }
    const rec = await publishFinal({
      recordingId, rendition: capture.meta.rendition, segments, sourcePath: path.join(capture.dir, 'source.ts'), chatPath: path.join(capture.dir, 'chat.jsonl'),
      chatAlreadyStored: false, probed: capture.probed, endedAt, actor, reason, log: capture.log,
    });
    await rm(capture.dir, { recursive: true, force: true });
    capture.log.info({ secondsToPlayable: (Date.now() - started) / 1000 }, 'live recording finished');
    return rec;
  }

  /** What a process that died left: the journal and local files first, storage otherwise. */
  async function recoverOne(rec: RecordingRecord): Promise<void> {
    const log = logger.child({ recordingId: rec.id, room: rec.liveClassId });
    const dir = path.join(deps.workDir, rec.id);
    let meta: CaptureMeta | null = null;
    try {
      meta = JSON.parse(await readFile(path.join(dir, 'capture.json'), 'utf8')) as CaptureMeta;
    } catch {
      meta = null;
    }
    const rendition = meta?.rendition ?? renditionNameFor(options.height);
    const keys = captureKeys(rec.id, rendition);
    let segments: LiveSegment[] = [];
    let sourcePath: string | null = null;

    if (meta) {
      // An encoder orphaned by the crash got EOF and finishes its last segment: give it a moment.
      const playlistFile = path.join(dir, 'hls', VARIANT_PLAYLIST);
      for (let i = 0; i < 20; i++) {
        const text = await readFile(playlistFile, 'utf8').catch(() => '');
        const info = await stat(playlistFile).catch(() => null);
        if (parseMediaPlaylist(text).ended || !info || Date.now() - info.mtimeMs > 3_000) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const journal = await readJournal(dir);
      const source = path.join(dir, 'source.ts');
      const whole = journal.at(-1)?.sourceBytes ?? 0;
      if (await exists(source)) await truncate(source, whole);
      else await writeFile(source, '');
      let sourceBytes = whole;
      const local = parseMediaPlaylist(await readFile(playlistFile, 'utf8').catch(() => '')).segments;
      for (const seg of local.slice(journal.length)) {
        if (!/^seg_\d{5}\.ts$/.test(seg.uri) || !(await exists(path.join(dir, 'hls', seg.uri)))) break;
        const line = await appendSegment(dir, seg.uri, seg.durationSeconds, sourceBytes, keys.segment(seg.uri), storage);
        sourceBytes = line.sourceBytes;
        journal.push(line);
      }
      segments = journal;
      sourcePath = source;
    } else {
      // Another machine recorded it: rebuild from what it uploaded.
      const text = await streamText(storage, keys.playlist);
      const listed = text ? parseMediaPlaylist(text).segments : [];
      if (listed.length > 0) {
        await mkdir(dir, { recursive: true });
        const source = path.join(dir, 'source.ts');
        await writeFile(source, '');
        for (const seg of listed) {
          const key = keys.segment(seg.uri);
          const info = await storage.stat(key);
          if (!info) break;
          await pipeline(await storage.read(key), createWriteStream(source, { flags: 'a' }));
          segments.push({ uri: seg.uri, durationSeconds: seg.durationSeconds, bytes: info.size });
        }
        sourcePath = source;
      }
    }

    if (segments.length === 0) {
      log.warn('a live recording was interrupted before its first segment; nothing to keep');
      await deps.recordings.stop('system', rec.id, 'Aula restarted before anything was recorded');
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const startedMs = meta?.t0 ?? Date.parse(rec.startedAt);
    const seconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
    await publishFinal({
      recordingId: rec.id, rendition, segments, sourcePath, chatPath: meta ? path.join(dir, 'chat.jsonl') : null,
      chatAlreadyStored: !meta && (await storage.stat(keys.chat)) !== null, probed: null, endedAt: new Date(startedMs + seconds * 1000).toISOString(),
      actor: 'system', reason: 'recovered after Aula restarted: the part recorded before the interruption', log,
    });
    await rm(dir, { recursive: true, force: true });
  }

  const recorder: LiveRecorder = {
    async start(room, recording) {
      if (closed || captures.has(recording.id) || recovering.has(recording.id)) return;
      const rendition = renditionNameFor(options.height);
      const meta: CaptureMeta = { recordingId: recording.id, liveClassId: room.liveClassId, startedAt: recording.startedAt, t0: Date.now(), rendition, width: options.width, height: options.height };
      const dir = path.join(deps.workDir, recording.id);
      // A capture cannot continue another's segments: an interrupted recording is recovery's to finish.
      if ((await exists(path.join(dir, 'capture.json'))) || (await storage.stat(captureKeys(recording.id, rendition).playlist))) {
        logger.warn({ recordingId: recording.id }, 'this recording was being captured before; it is left to recovery');
        return;
      }
      await mkdir(path.join(dir, 'hls'), { recursive: true });
      await writeFile(path.join(dir, 'capture.json'), JSON.stringify(meta));
      if (closed || captures.has(recording.id)) return;
      const capture = new Capture(meta, dir, room, deps, options);
      captures.set(recording.id, capture);
      capture.log.info({ rendition }, 'live recording started');
    },

    owns(recordingId) {
      return captures.has(recordingId);
    },

    finish(recordingId, actor, reason) {
      const capture = captures.get(recordingId);
      if (!capture) return deps.recordings.stop(actor, recordingId, reason);
      capture.stopping ??= finishCapture(capture, actor, reason).catch((err: unknown) => {
        capture.stopping = null;
        throw err;
      });
      return capture.stopping;
    },

    async recoverInterrupted() {
      const items = await deps.recordingsRepo.list({ batchIds: null, statuses: ['recording'], limit: 500 });
      let recovered = 0;
      for (const rec of items) {
        if (rec.liveClass.provider !== 'native' || captures.has(rec.id) || recovering.has(rec.id)) continue;
        if (!deps.soleProcess) {
          // Another process may still be recording it: only a capture silent for a while is taken over.
          const keys = captureKeys(rec.id, renditionNameFor(options.height));
          const info = await storage.stat(keys.playlist);
          const last = info ? info.lastModified.getTime() : Date.parse(rec.startedAt);
          if (Date.now() - last < RECOVERY_STALE_MS) continue;
        }
        recovering.add(rec.id);
        try {
          await recoverOne(rec);
          recovered++;
        } catch (err) {
          logger.error({ err, recordingId: rec.id }, 'could not recover an interrupted live recording');
        } finally {
          recovering.delete(rec.id);
        }
      }
      if (!deps.soleProcess && !closed && !recoveryTimer) {
        recoveryTimer = setInterval(() => void recorder.recoverInterrupted().catch((err: unknown) => logger.error({ err }, 'live recording recovery failed')), RECOVERY_STALE_MS);
        recoveryTimer.unref();
      }
      if (recovered) logger.info({ recovered }, 'interrupted live recordings made playable');
      return recovered;
    },

    async close() {
      if (closed) return;
      closed = true;
      if (recoveryTimer) clearInterval(recoveryTimer);
      await Promise.allSettled(
        [...captures.keys()].map((id) =>
          recorder.finish(id, 'system', 'Aula shut down during the class').catch((err: unknown) => logger.error({ err, recordingId: id }, 'could not finish a live recording on shutdown')),
        ),
      );
      deps.recordings.setLiveCapture(null);
    },
  };
  deps.recordings.setLiveCapture(recorder);
  return recorder;
}

async function streamText(storage: MediaStorage, key: string): Promise<string | null> {
  return (await storage.stat(key)) ? readStoredText(storage, key) : null;
}

