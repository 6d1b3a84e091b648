import { EventEmitter } from 'node:events';
import { type MediaStreamTrack, type RTCRtpTransceiver, RtcpSrPacket, type RtpPacket } from 'werift';
import { DepacketizeCallback, JitterBufferCallback } from 'werift/nonstandard';
import { FramesSinceKeyframe } from '../../../domain/media/frames-since-keyframe';
import { SenderReportClock } from '../../../domain/media/sender-report-clock';
import type { MediaCodec, MediaFrame, MediaKind, PublishedTrack, PublishedTrackEvents, TrackSource } from '../sfu';

const KEYFRAME_MIN_INTERVAL_MS = 300;
/**
 * The jitter buffer of a recorder tap: how long a missing packet is waited for (its retransmission, when the machine is
 * busy, can be late). Below the recording's own latency (channels.ts LATENCY_MS), so a repaired frame
 * still lands in order.
 */
const TAP_LATENCY_MS = 300;

let trackCounter = 0;

/**
 * A remote track of a publish connection; fans its RTP out to subscribers and to a frame tap. The tap runs while a
 * recorder listens, and always for a track that keeps its current picture, so that picture is known before any
 * recorder asks.
 */
export class WeriftTrack extends EventEmitter<PublishedTrackEvents> implements PublishedTrack {
  readonly id: string;
  readonly codec: MediaCodec;
  ended = false;
  private forwardingNow = true;
  private readonly sinks = new Set<(rtp: RtpPacket) => void>();
  private lastKeyframeRequest = 0;
  private tap: { input(rtp: RtpPacket): void; destroy(): void } | null = null;
  private readonly picture = new FramesSinceKeyframe<MediaFrame>();
  private readonly unsubscribeRtp: () => void;
  private readonly unsubscribeRtcp: () => void;
  private readonly senderClock: SenderReportClock;
  /** RTP timestamp last seen per sequence number: a retransmission that repeats a packet already here is dropped. */
  private readonly seenTimestamps: Float64Array | null;

  constructor(
    readonly peerId: string,
    readonly kind: MediaKind,
    public source: TrackSource,
    private readonly remote: MediaStreamTrack,
    private readonly transceiver: RTCRtpTransceiver,
    private readonly keepsPicture: boolean,
  ) {
    super();
    // Every subscriber watches for the end of the track.
    this.setMaxListeners(0);
    this.id = `${peerId}:${kind}:${++trackCounter}`;
    this.codec = kind === 'video' ? 'vp8' : 'opus';
    this.seenTimestamps = kind === 'video' ? new Float64Array(0x10000).fill(-1) : null;
    this.unsubscribeRtp = remote.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp)).unSubscribe;
    this.senderClock = new SenderReportClock(kind === 'video' ? 90_000 : 48_000);
    this.unsubscribeRtcp = remote.onReceiveRtcp.subscribe((rtcp) => {
      if (rtcp.type === RtcpSrPacket.type) this.senderClock.update(rtcp.senderInfo.ntpTimestamp, rtcp.senderInfo.rtpTimestamp);
    }).unSubscribe;
  }

  private onRtp(rtp: RtpPacket): void {
    if (!this.forwardingNow || this.ended) return;
    if (this.seenTimestamps) {
      // Chromium probes bandwidth by resending recent packets on the retransmission stream: forward each once.
      const seq = rtp.header.sequenceNumber;
      if (this.seenTimestamps[seq] === rtp.header.timestamp) return;
      this.seenTimestamps[seq] = rtp.header.timestamp;
    }
    for (const sink of this.sinks) sink(rtp);
    if (this.keepsPicture || this.listenerCount('frame') > 0) {
      this.tap ??= this.createTap();
      this.tap.input(rtp.clone());
    } else if (this.tap) {
      this.tap.destroy();
      this.tap = null;
    }
  }

  /**
   * RTP → jitter buffer → depacketized frames with the publisher's media time. Padding-only packets (bandwidth
   * probes on the video stream) are left out and the sequence numbers behind them closed up, so they never break
   * a frame; a frame that is lost or cannot be depacketized marks the next one as not intact and asks for a keyframe.
   */
  private createTap() {
    const video = this.kind === 'video';
    const clockRate = video ? 90_000 : 48_000;
    const jitter = new JitterBufferCallback(clockRate, { latency: TAP_LATENCY_MS, bufferSize: 10_000 });
    const depacketizer = new DepacketizeCallback(this.codec, video ? { isFinalPacketInSequence: (h) => h.marker } : {});
    let last: number | null = null;
    let extended = 0;
    let paddingSkipped = 0;
    let expectedSeq: number | null = null;
    let damaged = false;
    let emitted = false;
    const markDamaged = () => {
      damaged = true;
      this.requestKeyframe();
    };
    jitter.pipe((out) => {
      if (out.isPacketLost) markDamaged();
      if (!out.rtp) return;
      const rtp = out.rtp;
      if (video) {
        if (rtp.payload.length === 0) {
          paddingSkipped++;
          return;
        }
        const seq = (rtp.header.sequenceNumber - paddingSkipped) & 0xffff;
        if (expectedSeq !== null && seq !== expectedSeq) markDamaged();
        expectedSeq = (seq + 1) & 0xffff;
        rtp.header.sequenceNumber = seq;
      }
      const ts = rtp.header.timestamp;
      if (last === null) extended = 0;
      else extended += (ts - last) | 0;
      last = ts;
      emitted = false;
      depacketizer.input({ rtp, time: (extended * 1000) / clockRate });
      if (video && rtp.header.marker && !emitted) markDamaged();
    });
    depacketizer.pipe((out) => {
      const frame = out.frame;
      if (!frame || frame.data.length === 0) return;
      emitted = true;
      const media: MediaFrame = {
        codec: this.codec, data: frame.data, keyframe: frame.isKeyframe, intact: !damaged, mediaTimeMs: frame.time,
        senderTimeMs: this.senderClock.timeOf(frame.timestamp), receivedAt: Date.now(),
      };
      damaged = false;
      if (this.keepsPicture) this.keepPicture(media);
      this.emit('frame', media);
    });
    return {
      input: (rtp: RtpPacket) => jitter.input({ rtp }),
      destroy: () => {
        jitter.destroy();
        depacketizer.destroy();
      },
    };
  }

  get forwarding(): boolean {
    return this.forwardingNow;
  }

  /** A picture that stops being forwarded (a share that stopped) is forgotten: the next one starts from its keyframe. */
  set forwarding(on: boolean) {
    if (on !== this.forwardingNow) this.picture.clear();
    this.forwardingNow = on;
  }

  private keepPicture(frame: MediaFrame): void {
    if (!frame.intact && !frame.keyframe) this.picture.clear();
    else if (this.picture.add(frame, frame.keyframe)) this.requestKeyframe();
  }

  currentPicture(): readonly MediaFrame[] | null {
    return this.keepsPicture && this.forwardingNow && !this.ended ? this.picture.current() : null;
  }

  addSink(sink: (rtp: RtpPacket) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  requestKeyframe(): void {
    if (this.kind !== 'video' || this.ended) return;
    const now = Date.now();
    if (now - this.lastKeyframeRequest < KEYFRAME_MIN_INTERVAL_MS) return;
    this.lastKeyframeRequest = now;
    const ssrc = this.remote.ssrc;
    if (ssrc !== undefined) void this.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribeRtp();
    this.unsubscribeRtcp();
    this.sinks.clear();
    this.tap?.destroy();
    this.tap = null;
    this.emit('ended');
    this.removeAllListeners('frame');
  }
}
