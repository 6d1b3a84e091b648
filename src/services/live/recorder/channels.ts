/**
 * One clock for every source: each track slot of a recording turns the frames of whichever room track is attached
 * to it into blocks stamped on the recording's clock, and fills the gaps (filler pictures, silence) so the encoder
 * never waits on a source.
 */
import type { MediaFrame } from '../../../adapters/sfu/sfu';
import type { RoomTrack } from '../../live-room';
import { FILLER_VP8_KEYFRAME, OPUS_SILENCE, opusPacketMs } from './filler-media';

/** How far behind real time blocks are written, so late frames of every source still land in order. */
export const LATENCY_MS = 400;
export const TICK_MS = 40;
const VIDEO_FILLER_INTERVAL_MS = 100;
// A picture that stops for this long is held (its last keyframe repeated) until a fresh keyframe arrives.
const VIDEO_HOLD_MS = 1_000;
const AUDIO_STALL_MS = 200;
const SILENCE_MS = 20;
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
export class VideoChannel extends TrackChannel {
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
export class AudioChannel extends TrackChannel {
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
