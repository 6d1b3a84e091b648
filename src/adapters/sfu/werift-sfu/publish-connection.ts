import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type MediaStreamTrack, type PeerConfig, RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import type { MediaKind, PeerConnectionState, PeerStats, PublishedTrack, SessionDescription, SfuPeerEvents, TrackSource } from '../sfu';
import { randomInt } from 'node:crypto';
import { localDescription, num, waitForGathering, withVideoStartBitrate } from './config';
import { WeriftTrack } from './track';
import { TransportFeedback } from './transport-feedback';

/** Where a publisher's send estimate starts: a 720p camera at full size (Chromium's own start is 300). */
const START_BITRATE_KBPS = 1_500;

/** The connection a client offers: its camera, microphone and screen arrive here as tracks. */
export class PublishConnection {
  private readonly pc: RTCPeerConnection;
  private readonly tracks = new Map<string, WeriftTrack>();
  private readonly sources = new Map<string, TrackSource | null>();
  private closed = false;
  /** Congestion feedback on everything the client sends, so its send estimate follows the real path. */
  private readonly feedback: TransportFeedback;

  constructor(
    private readonly peerId: string,
    config: Partial<PeerConfig>,
    /** The peer: tracks and connection states are its events. */
    private readonly events: EventEmitter<SfuPeerEvents>,
    private readonly log: Logger,
    /** Whether this peer's video tracks keep their current picture for recorders. */
    private readonly keepsPictures: boolean,
  ) {
    this.pc = new RTCPeerConnection(config);
    this.feedback = new TransportFeedback(() => this.pc.dtlsTransports[0], randomInt(1, 0xffffffff));
    this.pc.connectionStateChange.subscribe((state) => this.events.emit('connection-state', { side: 'publish', state: state as PeerConnectionState }));
    this.pc.onRemoteTransceiverAdded.subscribe((transceiver) => {
      transceiver.onTrack.subscribe((remote) => {
        this.feedback.attach(transceiver.receiver, remote.ssrc);
        this.onRemoteTrack(remote, transceiver);
      });
    });
  }

  private onRemoteTrack(remote: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    const mid = transceiver.mid;
    if (this.closed || mid === null || this.tracks.has(mid)) return;
    const kind: MediaKind = remote.kind === 'video' ? 'video' : 'audio';
    const declared = this.sources.get(mid);
    const source: TrackSource = declared ?? (kind === 'video' ? 'camera' : 'microphone');
    const track = new WeriftTrack(this.peerId, kind, source, remote, transceiver, kind === 'video' && this.keepsPictures);
    track.forwarding = declared !== null;
    this.tracks.set(mid, track);
    this.log.debug({ mid, kind, source, trackId: track.id }, 'track published');
    this.events.emit('track', track);
  }

  async publish(offer: SessionDescription, sources: Readonly<Record<string, TrackSource>>): Promise<SessionDescription> {
    if (this.closed) throw new Error('peer is closed');
    for (const [mid, source] of Object.entries(sources)) this.sources.set(mid, source);
    await this.pc.setRemoteDescription(offer);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await waitForGathering(this.pc);
    this.setSources(sources);
    const answer = localDescription(this.pc, 'publish', this.log);
    return { type: answer.type, sdp: withVideoStartBitrate(answer.sdp, START_BITRATE_KBPS) };
  }

  setSources(sources: Readonly<Record<string, TrackSource | null>>): void {
    for (const [mid, source] of Object.entries(sources)) {
      this.sources.set(mid, source);
      const track = this.tracks.get(mid);
      if (!track) continue;
      const wasForwarding = track.forwarding;
      if (source) track.source = source;
      track.forwarding = source !== null;
      if (wasForwarding !== track.forwarding) {
        // A stopped source looks ended to subscribers; a restarted one looks new.
        this.events.emit(track.forwarding ? 'track' : 'track-ended', track);
      }
    }
  }

  publishedTracks(): PublishedTrack[] {
    return [...this.tracks.values()].filter((t) => !t.ended && t.forwarding);
  }

  async stats(): Promise<PeerStats['publish']> {
    const result: PeerStats['publish'] = { packetsReceived: 0, packetsLost: 0, bytesReceived: 0 };
    for (const s of (await this.pc.getStats()).values()) {
      const r = s as unknown as Record<string, unknown>;
      if (r.type === 'inbound-rtp') {
        result.packetsReceived += num(r.packetsReceived);
        result.packetsLost += num(r.packetsLost);
        result.bytesReceived += num(r.bytesReceived);
      }
    }
    return result;
  }

  /** Stops accepting tracks and ends those published; the connection itself closes in `close`. */
  endTracks(): void {
    this.closed = true;
    for (const track of this.tracks.values()) {
      if (!track.ended) {
        track.end();
        this.events.emit('track-ended', track);
      }
    }
  }

  close(): Promise<void> {
    this.feedback.close();
    return this.pc.close();
  }
}
