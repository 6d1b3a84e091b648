import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type PeerConfig, RTCPeerConnection, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import type { PeerConnectionState, PeerStats, PublishedTrack, SessionDescription, SfuPeerEvents, SubscribedTrack, SubscriberOffer } from '../sfu';
import { localDescription, num, waitForGathering } from './config';
import { WeriftTrack } from './track';

interface Subscription {
  track: WeriftTrack;
  transceiver: RTCRtpTransceiver;
  stopForwarding: () => void;
  stopWatching: () => void;
}

/**
 * A publisher's packet as this connection sends it. Its header extensions are numbered by the publisher's
 * negotiation (Chromium's transport-wide sequence is 3, its MID 4), which here mean other things (3 is the MID of a
 * video m-section, 4 its send time): the sender writes this connection's own MID, send time and transport sequence,
 * and the publisher's must not overwrite them. Left in, the subscriber read the publisher's transport sequence as
 * the MID, so once that passed 255 its packets named no m-section and the picture stopped.
 */
function forwarded(rtp: RtpPacket): RtpPacket {
  const copy = rtp.clone();
  copy.header.extensions = [];
  return copy;
}

/** The connection the server offers: everyone else's tracks, renegotiated as they come and go. */
export class SubscribeConnection {
  private readonly pc: RTCPeerConnection;
  private readonly subscriptions = new Map<string, Subscription>();
  private closed = false;
  private negotiating = false;
  private negotiationWanted = false;
  private iceRestartWanted = false;
  private negotiateTimer: NodeJS.Timeout | null = null;
  private answerTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    config: Partial<PeerConfig>,
    /** The peer: offers and connection states are its events. */
    private readonly events: EventEmitter<SfuPeerEvents>,
    private readonly log: Logger,
  ) {
    this.pc = new RTCPeerConnection(config);
    this.pc.connectionStateChange.subscribe((state) => {
      this.events.emit('connection-state', { side: 'subscribe', state: state as PeerConnectionState });
      if (state === 'connected') this.keyframesSoon(this.subscribedTracks());
    });
  }

  private subscribedTracks(): WeriftTrack[] {
    return [...this.subscriptions.values()].map((s) => s.track);
  }

  subscribe(track: PublishedTrack): void {
    if (this.closed || this.subscriptions.has(track.id)) return;
    if (!(track instanceof WeriftTrack) || track.ended) return;
    const transceiver = this.pc.addTransceiver(track.kind, { direction: 'sendonly' });
    const sender = transceiver.sender;
    const stopForwarding = track.addSink((rtp) => void sender.sendRtp(forwarded(rtp)).catch(() => undefined));
    const pli = sender.onPictureLossIndication.subscribe(() => track.requestKeyframe());
    const ready = sender.onReady.subscribe(() => this.keyframesSoon([track]));
    const onEnded = () => this.unsubscribe(track.id);
    track.once('ended', onEnded);
    this.subscriptions.set(track.id, {
      track,
      transceiver,
      stopForwarding,
      stopWatching: () => {
        pli.unSubscribe();
        ready.unSubscribe();
        track.off('ended', onEnded);
      },
    });
    this.requestNegotiation();
  }

  unsubscribe(trackId: string): void {
    const s = this.subscriptions.get(trackId);
    if (!s) return;
    this.subscriptions.delete(trackId);
    s.stopForwarding();
    s.stopWatching();
    if (this.closed) return;
    // The first m-section tags the bundle's transport: werift would reject it (port 0) while it stays in the BUNDLE
    // group, which Chromium refuses for the whole offer (or answers by rebuilding the transport, and every other
    // track stops). That one stays, sending nothing; the next offer no longer lists it, so the client drops its tile.
    if (s.transceiver.mLineIndex !== 0) {
      try {
        this.pc.removeTrack(s.transceiver.sender);
      } catch (err) {
        this.log.debug({ err }, 'removing a subscribed track failed');
      }
    }
    this.requestNegotiation();
  }

  renegotiate(options: { iceRestart?: boolean } = {}): void {
    if (options.iceRestart) this.iceRestartWanted = true;
    // A client that lost the previous offer (reconnect) needs a fresh one even if one is in flight.
    this.negotiating = false;
    this.requestNegotiation();
  }

  private requestNegotiation(): void {
    if (this.closed) return;
    this.negotiationWanted = true;
    if (this.negotiateTimer) return;
    this.negotiateTimer = setTimeout(() => {
      this.negotiateTimer = null;
      void this.negotiate().catch((err: unknown) => this.log.warn({ err }, 'subscriber renegotiation failed'));
    }, 30);
  }

  private async negotiate(): Promise<void> {
    if (this.closed || this.negotiating || !this.negotiationWanted) return;
    this.negotiating = true;
    this.negotiationWanted = false;
    const iceRestart = this.iceRestartWanted;
    this.iceRestartWanted = false;
    if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
    const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : {});
    await this.pc.setLocalDescription(offer);
    await waitForGathering(this.pc);
    if (this.closed) return;
    const tracks: SubscribedTrack[] = [];
    for (const s of this.subscriptions.values()) {
      if (s.transceiver.mid !== null) tracks.push({ mid: s.transceiver.mid, trackId: s.track.id, peerId: s.track.peerId, kind: s.track.kind, source: s.track.source });
    }
    const message: SubscriberOffer = { description: localDescription(this.pc, 'subscribe', this.log), tracks };
    // A client that never answers must not block later offers forever.
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = setTimeout(() => {
      this.answerTimer = null;
      if (this.negotiating) {
        this.negotiating = false;
        this.requestNegotiation();
      }
    }, 10_000);
    this.events.emit('subscriber-offer', message);
  }

  async acceptAnswer(answer: SessionDescription): Promise<void> {
    if (this.closed) return;
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription(answer);
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = null;
    this.negotiating = false;
    this.keyframesSoon(this.subscribedTracks());
    if (this.negotiationWanted) this.requestNegotiation();
  }

  /** A new subscriber decodes nothing until a keyframe: ask now and again shortly, in case the first is lost. */
  private keyframesSoon(tracks: WeriftTrack[]): void {
    const video = tracks.filter((t) => t.kind === 'video');
    if (video.length === 0) return;
    for (const delay of [50, 700, 2_000]) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        for (const t of video) t.requestKeyframe();
      }, delay);
      this.timers.add(timer);
    }
  }

  async stats(): Promise<PeerStats['subscribe']> {
    const result: PeerStats['subscribe'] = { packetsSent: 0, bytesSent: 0, packetsLostReported: 0, roundTripSeconds: null };
    const roundTrips: number[] = [];
    for (const s of (await this.pc.getStats()).values()) {
      const r = s as unknown as Record<string, unknown>;
      if (r.type === 'outbound-rtp') {
        result.packetsSent += num(r.packetsSent);
        result.bytesSent += num(r.bytesSent);
      } else if (r.type === 'remote-inbound-rtp') {
        result.packetsLostReported += num(r.packetsLost);
        if (typeof r.roundTripTime === 'number' && Number.isFinite(r.roundTripTime)) roundTrips.push(r.roundTripTime);
      }
    }
    if (roundTrips.length) result.roundTripSeconds = roundTrips.reduce((a, b) => a + b, 0) / roundTrips.length;
    return result;
  }

  /** Stops forwarding and every pending timer; the connection itself closes in `close`. */
  stop(): void {
    this.closed = true;
    if (this.negotiateTimer) clearTimeout(this.negotiateTimer);
    if (this.answerTimer) clearTimeout(this.answerTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions.values()) {
      s.stopForwarding();
      s.stopWatching();
    }
    this.subscriptions.clear();
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}
