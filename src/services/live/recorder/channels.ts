/**
 * One clock for every source: each track slot of a recording turns the frames of whichever room track is attached
 * to it into blocks stamped on the recording's clock, and fills the gaps (filler pictures, silence) so the encoder
 * never waits on a source. While the recording is paused the slots take nothing; on resume they go on from where
 * they paused (a picture goes on from the SFU's current one, or from a fresh keyframe when that is not known).
 */
import type { MediaFrame } from '../../../adapters/sfu/sfu';
import { FramesSinceKeyframe } from '../../../domain/media/frames-since-keyframe';
import type { RoomTrack } from '../../live-room';
import { FILLER_VP8_KEYFRAME, OPUS_SHORT_SILENCE, OPUS_SILENCE, opusPacketMs } from './filler-media';
import type { PublisherClocks } from './publisher-clocks';
import type { RecordingClock } from './recording-clock';
import type { StillPictureMaker } from './still-pictures';

/** How far behind real time blocks are written, so late frames of every source still land in order. */
export const LATENCY_MS = 400;
export const TICK_MS = 40;
const VIDEO_FILLER_INTERVAL_MS = 100;
// A picture that stops for this long after a delta frame (a static shared slide sends a frame every second or two)
// gets a keyframe request, so that a picture held past VIDEO_HOLD_MS is the current one.
const VIDEO_STALL_MS = 500;
// While a keyframe is awaited and no frame comes (a source with nothing new to encode cannot answer), the request
// is repeated this often, not at every tick.
const VIDEO_REQUEST_INTERVAL_MS = 1_000;
// Until then nothing is written for it: the encoder keeps showing the last picture it decoded, and waits. Past
// this the channel writes pictures again so the encoder never waits longer.
const VIDEO_HOLD_MS = 3_000;
// A still of the current picture is begun this long into a quiet stretch that may become a hold...
const VIDEO_STILL_AFTER_MS = 1_000;
// ...and a hold waits up to this much longer for it, rather than show an older picture.
const VIDEO_STILL_WAIT_MS = 3_000;
// A slot attached mid-way starts from the SFU's current picture when it is at most this many frames from its
// keyframe (about ten seconds): the encoder decodes them all at once. A longer run waits for a keyframe instead.
const START_FROM_PICTURE_MAX_FRAMES = 300;
const AUDIO_STALL_MS = 200;
const SILENCE_MS = 20;
const SHORT_SILENCE_MS = 2.5;
export const AUDIO_SLOTS = 4;
export const CAMERA_TRACK = 1;
export const SCREEN_TRACK = 2;
export const FIRST_AUDIO_TRACK = 3;

export interface QueuedBlock {
  ts: number;
  track: number;
  keyframe: boolean;
  data: Buffer;
}

export type Emit = (block: QueuedBlock) => void;

/** One track slot of the recording: follows the frames of whichever room track is attached to it. */
export abstract class TrackChannel {
  source: RoomTrack | null = null;
  protected lastArrival = 0;
  private unlisten: (() => void) | null = null;

  constructor(
    readonly trackNumber: number,
    protected readonly clock: RecordingClock,
    private readonly publisherClocks: PublisherClocks,
    protected readonly emit: Emit,
  ) {}

  /** A frame's recording time on its publisher's clock, shared by all its tracks; null before its sender reports. */
  protected onPublisherClock(f: MediaFrame, arrival: number): number | null {
    if (f.senderTimeMs === null || !this.source) return null;
    return this.publisherClocks.at(this.source.track.peerId, f.senderTimeMs, arrival);
  }

  attach(source: RoomTrack): void {
    this.detach();
    this.source = source;
    const onFrame = (f: MediaFrame) => {
      if (!this.clock.paused) this.onFrame(f);
    };
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
  /** The recording resumed at `now` (wall clock) after a pause. */
  abstract resume(now: number): void;
  protected abstract onFrame(f: MediaFrame): void;
  abstract tick(horizon: number, now: number): void;
}

/**
 * A picture source: real VP8 frames while its track sends them, black filler frames while no track is attached.
 * A delta frame is never written after a lost one: the channel waits for the keyframe it asks for, and meanwhile
 * writes nothing, so the encoder keeps the last good picture. When frames stop (a static slide, a lost frame whose
 * repair is late) the channel asks for a keyframe after half a second (unless the last frame was one). Past
 * three seconds it writes a keyframe again and again: its last one when nothing came after it, else a still made
 * of the picture the frames written since then end on (what the recording shows: the current picture of a static
 * slide, or the last whole picture before a lost frame), and the last keyframe only when no still can be made. A track attached mid-way (a recording started during a share, or resumed) starts
 * from the picture the SFU has: its last keyframe and the frames since, written at once; only when that is not
 * known does it wait for a keyframe it asks for, and it is not replaced by filler meanwhile.
 */
export class VideoChannel extends TrackChannel {
  /** filler: no track. waiting: a keyframe is needed before anything else is written. live: frames flow. */
  private state: 'filler' | 'waiting' | 'live' = 'filler';
  private lastTs = -1;
  private anchor = 0;
  private lastKeyframe: Buffer | null = null;
  /** The frames written since the last keyframe written: the picture the encoder shows now. */
  private readonly written = new FramesSinceKeyframe<{ data: Buffer }>();
  /** Whether the last frame written is the last keyframe: repeating it then changes nothing for the decoder. */
  private keyframeIsLatest = false;
  /** When the channel last wrote a frame of its track, or was attached (ms, wall clock). */
  private lastWrite = 0;
  private stallRequested = false;
  private lastRequest = 0;
  /** Changes whenever the picture may have changed: a still is used only for the picture it was made of. */
  private epoch = 0;
  private still: { epoch: number; picture: Buffer } | null = null;
  private stillFor: number | null = null;

  constructor(trackNumber: number, clock: RecordingClock, publisherClocks: PublisherClocks, emit: Emit, private readonly stills: StillPictureMaker | null) {
    super(trackNumber, clock, publisherClocks, emit);
  }

  protected override onAttach(source: RoomTrack): void {
    this.state = 'waiting';
    this.lastKeyframe = null;
    this.keyframeIsLatest = false;
    this.forgetPicture();
    this.written.clear();
    this.lastWrite = Date.now();
    this.stallRequested = false;
    // While paused nothing is written: resuming starts from the picture then.
    if (this.clock.paused || !this.startFromCurrentPicture(source, Date.now())) source.track.requestKeyframe();
  }

  protected override onDetach(): void {
    this.state = 'filler';
    this.lastKeyframe = null;
    this.keyframeIsLatest = false;
    this.forgetPicture();
    this.written.clear();
  }

  private forgetPicture(): void {
    this.epoch += 1;
    this.still = null;
  }

  /**
   * Writes the source's current picture, its last keyframe and the frames since, a millisecond apart at the
   * present: the encoder decodes them all and shows the last, so the recording shows now what students see now.
   * False when the SFU does not know the picture (no keyframe yet, a frame lost since) or it is a long run.
   */
  private startFromCurrentPicture(source: RoomTrack, now: number): boolean {
    const frames = source.track.currentPicture();
    const last = frames?.at(-1);
    if (!frames || !last || frames.length > START_FROM_PICTURE_MAX_FRAMES) return false;
    const present = this.clock.at(now);
    this.epoch += 1;
    for (const f of frames) this.write(Math.max(present, this.lastTs + 1), f.keyframe, f.data);
    this.state = 'live';
    this.lastKeyframe = frames[0]!.data;
    this.keyframeIsLatest = frames.length === 1;
    this.lastArrival = last.receivedAt;
    this.lastWrite = now;
    // The next frame lands where its media time says, counted from the last one's arrival.
    this.anchor = this.clock.at(last.receivedAt) - last.mediaTimeMs;
    return true;
  }

  /** Frames after the pause decode against none before it: the picture goes on from a keyframe asked for now. */
  resume(now: number): void {
    if (!this.source) return;
    this.state = 'waiting';
    this.keyframeIsLatest = false;
    this.forgetPicture();
    this.lastWrite = now;
    this.lastRequest = now;
    this.stallRequested = false;
    if (!this.startFromCurrentPicture(this.source, now)) this.source.track.requestKeyframe();
  }

  protected onFrame(f: MediaFrame): void {
    const arrival = this.clock.at(f.receivedAt);
    this.lastArrival = f.receivedAt;
    if (this.state === 'live' && !f.intact && !f.keyframe) this.state = 'waiting';
    if (this.state !== 'live') {
      // Decoding can only resume on a keyframe: a delta frame would decode against a missing picture.
      if (!f.keyframe) {
        this.source?.track.requestKeyframe();
        return;
      }
      this.state = 'live';
      this.anchor = arrival - f.mediaTimeMs;
    }
    this.stallRequested = false;
    this.lastWrite = Date.now();
    this.keyframeIsLatest = f.keyframe;
    if (f.keyframe) this.lastKeyframe = f.data;
    this.epoch += 1;
    let ts = this.onPublisherClock(f, arrival) ?? f.mediaTimeMs + this.anchor;
    if (Math.abs(ts - arrival) > 1_000) {
      this.anchor = arrival - f.mediaTimeMs;
      ts = arrival;
    }
    this.write(Math.max(ts, this.lastTs + 1), f.keyframe, f.data);
  }

  /**
   * Begins a still of the current picture, unless one is made or being made for it: the SFU's (its last keyframe
   * and the frames since: what students see, also after a pause), else the one the recording shows (the frames
   * written since the last keyframe written: after a lost frame the SFU knows no whole picture until the next
   * keyframe, which a static slide may not send, but the recording still shows the last whole one).
   */
  private makeStill(): void {
    const epoch = this.epoch;
    const frames = this.source?.track.currentPicture() ?? this.written.current();
    if (!this.stills || !frames || this.stillFor === epoch || this.still?.epoch === epoch) return;
    this.stillFor = epoch;
    void this.stills.make(frames.map((f) => f.data)).then((picture) => {
      if (picture && this.epoch === epoch) this.still = { epoch, picture };
    }).finally(() => {
      if (this.stillFor === epoch) this.stillFor = null;
    });
  }

  private write(ts: number, keyframe: boolean, data: Buffer): void {
    this.lastTs = ts;
    this.written.add({ data }, keyframe);
    this.emit({ ts, track: this.trackNumber, keyframe, data });
  }

  tick(horizon: number, now: number): void {
    if (this.state === 'filler' || !this.source) {
      this.repeat(FILLER_VP8_KEYFRAME, horizon);
      return;
    }
    const quiet = now - Math.max(this.lastArrival, this.lastWrite);
    if (quiet < VIDEO_STALL_MS && this.state === 'live') return;
    const requestDue = this.state === 'waiting' ? now - this.lastRequest >= VIDEO_REQUEST_INTERVAL_MS : !this.stallRequested && !this.keyframeIsLatest;
    if (requestDue) {
      this.stallRequested = true;
      this.lastRequest = now;
      this.source.track.requestKeyframe();
    }
    const heldFor = now - this.lastWrite;
    if (!this.keyframeIsLatest && heldFor >= VIDEO_STILL_AFTER_MS) this.makeStill();
    if (heldFor < VIDEO_HOLD_MS) return;
    const still = this.still?.epoch === this.epoch ? this.still.picture : null;
    if (!still && this.stillFor === this.epoch && heldFor < VIDEO_HOLD_MS + VIDEO_STILL_WAIT_MS) return;
    // Held too long: write whole pictures so the encoder goes on; a delta frame after them needs a keyframe first.
    if (!this.keyframeIsLatest) this.state = 'waiting';
    this.repeat((this.keyframeIsLatest ? null : still) ?? this.lastKeyframe ?? FILLER_VP8_KEYFRAME, horizon);
  }

  /** Writes `picture` every 100 ms up to `horizon`, resuming at the present after a hold (already written out). */
  private repeat(picture: Buffer, horizon: number): void {
    let ts = this.lastTs < 0 ? 0 : this.lastTs + VIDEO_FILLER_INTERVAL_MS;
    if (this.lastTs >= 0 && ts < horizon - VIDEO_FILLER_INTERVAL_MS) ts = horizon;
    for (; ts <= horizon; ts += VIDEO_FILLER_INTERVAL_MS) this.write(ts, true, picture);
  }
}

/** A microphone slot: real Opus packets while someone speaks into it, silence otherwise, never a gap. */
export class AudioChannel extends TrackChannel {
  private endTs = 0;
  private anchor: number | null = null;

  protected override onAttach(): void {
    this.anchor = null;
  }

  resume(): void {
    this.anchor = null;
  }

  /** Silence up to `ts`, in 20 ms packets; `exactly` finishes with 2.5 ms ones, so a voice begins on its time. */
  private silenceUntil(ts: number, exactly = false): void {
    while (this.endTs + SILENCE_MS <= ts) {
      this.emit({ ts: this.endTs, track: this.trackNumber, keyframe: true, data: OPUS_SILENCE });
      this.endTs += SILENCE_MS;
    }
    while (exactly && this.endTs + SHORT_SILENCE_MS <= ts) {
      this.emit({ ts: this.endTs, track: this.trackNumber, keyframe: true, data: OPUS_SHORT_SILENCE });
      this.endTs += SHORT_SILENCE_MS;
    }
  }

  protected onFrame(f: MediaFrame): void {
    const arrival = this.clock.at(f.receivedAt);
    const packetMs = opusPacketMs(f.data);
    const ts = this.placeVoice(this.onPublisherClock(f, arrival) ?? this.onMediaClock(f, arrival), packetMs);
    this.lastArrival = f.receivedAt;
    if (ts === null) return;
    this.emit({ ts, track: this.trackNumber, keyframe: true, data: f.data });
    this.endTs = ts + packetMs;
  }

  /**
   * Where a packet due at `due` goes: the mixer counts samples, not timestamps, so the voice is written on where it
   * ends; silence is put in when the packet is due a short silence packet or more later than that, and the packet
   * is left out (null) when it is due half a packet or more before (its moment is already silence, or a microphone
   * whose clock runs fast). The voice so stays between 2.5 ms early and half a packet late, with no drift.
   */
  private placeVoice(due: number, packetMs: number): number | null {
    if (due >= this.endTs + SHORT_SILENCE_MS) this.silenceUntil(due, true);
    else if (due + packetMs / 2 <= this.endTs) return null;
    return this.endTs;
  }

  /** Before the publisher's sender reports: the packet's own media time from where its track's first one arrived. */
  private onMediaClock(f: MediaFrame, arrival: number): number {
    if (this.anchor === null || f.receivedAt - this.lastArrival > 1_000) this.anchor = arrival - f.mediaTimeMs;
    if (Math.abs(f.mediaTimeMs + this.anchor - arrival) > 1_000) this.anchor = arrival - f.mediaTimeMs;
    return f.mediaTimeMs + this.anchor;
  }

  tick(horizon: number, now: number): void {
    if (this.source && now - this.lastArrival <= AUDIO_STALL_MS) return;
    this.silenceUntil(horizon);
  }

  finish(until: number): void {
    this.silenceUntil(until);
  }
}
