import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  type MediaStreamTrack,
  type PeerConfig,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtpPacket,
  useAbsSendTime,
  useNACK,
  useOPUS,
  usePLI,
  useREMB,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
  useVP8,
} from 'werift';
import { DepacketizeCallback, JitterBufferCallback } from 'werift/nonstandard';
import type {
  IceServer,
  MediaCodec,
  MediaFrame,
  MediaKind,
  PeerConnectionState,
  PeerStats,
  PublishedTrack,
  PublishedTrackEvents,
  SessionDescription,
  Sfu,
  SfuPeer,
  SfuPeerEvents,
  SfuRoom,
  SubscribedTrack,
  SubscriberOffer,
  TrackSource,
} from './sfu';

export interface WeriftSfuOptions {
  logger: Logger;
  /**
   * Host addresses to gather ICE candidates on. `['127.0.0.1']` binds to loopback only (tests, a
   * single machine); undefined gathers on every interface plus loopback.
   */
  hostAddresses?: string[] | undefined;
  /**
   * The one address put in host candidates, in place of the interface addresses: the public IP of a
   * server behind NAT or in a container (mediasoup's announcedIp). Its sockets listen on every interface.
   */
  announcedAddress?: string | undefined;
  /** UDP port range for ICE, e.g. [40000, 40999] behind a firewall. */
  portRange?: [number, number] | undefined;
  /** STUN/TURN servers; werift uses the first stun: and the first turn: URL among them. */
  iceServers?: readonly IceServer[] | undefined;
}

const VIDEO_PT = 96;
const AUDIO_PT = 111;
const KEYFRAME_MIN_INTERVAL_MS = 300;
/** The jitter buffer of a recorder tap: how long a missing packet is waited for. */
const TAP_LATENCY_MS = 150;

/**
 * Which addresses werift turns into host candidates. werift makes one candidate per address in
 * `iceAdditionalHostAddresses` plus, with `iceUseIpv4`, one per interface address; each gets a socket
 * bound to `iceInterfaceAddresses.udp4` (or every interface when unset) and is advertised as given.
 */
function hostCandidateConfig(opts: WeriftSfuOptions): Partial<PeerConfig> {
  if (opts.announcedAddress) {
    return { iceUseIpv4: false, iceAdditionalHostAddresses: [opts.announcedAddress] };
  }
  const addresses = opts.hostAddresses;
  if (addresses && addresses.length > 0) {
    // Only the listed addresses: an interface address on a loopback-bound socket could never be reached.
    return { iceUseIpv4: false, iceAdditionalHostAddresses: addresses, iceInterfaceAddresses: { udp4: addresses[0] } };
  }
  return { iceAdditionalHostAddresses: ['127.0.0.1'] };
}

function peerConfig(opts: WeriftSfuOptions): Partial<PeerConfig> {
  return {
    iceServers: (opts.iceServers ?? []).map((server) => ({ ...server })),
    iceUseIpv6: false,
    ...hostCandidateConfig(opts),
    ...(opts.portRange && { icePortRange: opts.portRange }),
    codecs: {
      video: [useVP8({ payloadType: VIDEO_PT, rtcpFeedback: [useNACK(), usePLI(), useREMB(), useTWCC()] })],
      audio: [useOPUS({ payloadType: AUDIO_PT })],
    },
    headerExtensions: {
      video: [useSdesMid(), useAbsSendTime(), useTransportWideCC()],
      audio: [useSdesMid(), useAbsSendTime()],
    },
  };
}

function waitForGathering(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, 5_000);
    const sub = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      sub.unSubscribe();
      resolve();
    }
  });
}

function describe(pc: RTCPeerConnection): SessionDescription {
  const d = pc.localDescription;
  if (!d || (d.type !== 'offer' && d.type !== 'answer')) throw new Error('no local description');
  return { type: d.type, sdp: d.sdp };
}

let trackCounter = 0;

/** A remote track of a publish connection; fans its RTP out to subscribers and, on demand, to a frame tap. */
class WeriftTrack extends EventEmitter<PublishedTrackEvents> implements PublishedTrack {
  readonly id: string;
  readonly codec: MediaCodec;
  ended = false;
  forwarding = true;
  private readonly sinks = new Set<(rtp: RtpPacket) => void>();
  private lastKeyframeRequest = 0;
  private tap: { input(rtp: RtpPacket): void; destroy(): void } | null = null;
  private readonly unsubscribeRtp: () => void;

  constructor(
    readonly peerId: string,
    readonly kind: MediaKind,
    public source: TrackSource,
    private readonly remote: MediaStreamTrack,
    private readonly transceiver: RTCRtpTransceiver,
  ) {
    super();
    // Every subscriber watches for the end of the track.
    this.setMaxListeners(0);
    this.id = `${peerId}:${kind}:${++trackCounter}`;
    this.codec = kind === 'video' ? 'vp8' : 'opus';
    this.unsubscribeRtp = remote.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp)).unSubscribe;
  }

  private onRtp(rtp: RtpPacket): void {
    if (!this.forwarding || this.ended) return;
    for (const sink of this.sinks) sink(rtp);
    if (this.listenerCount('frame') > 0) {
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
      const media: MediaFrame = { codec: this.codec, data: frame.data, keyframe: frame.isKeyframe, intact: !damaged, mediaTimeMs: frame.time, receivedAt: Date.now() };
      damaged = false;
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
    this.sinks.clear();
    this.tap?.destroy();
    this.tap = null;
    this.emit('ended');
    this.removeAllListeners('frame');
  }
}

interface Subscription {
  track: WeriftTrack;
  transceiver: RTCRtpTransceiver;
  stopForwarding: () => void;
  stopWatching: () => void;
}

class WeriftPeer extends EventEmitter<SfuPeerEvents> implements SfuPeer {
  closed = false;
  private readonly pub: RTCPeerConnection;
  private readonly sub: RTCPeerConnection;
  private readonly tracks = new Map<string, WeriftTrack>();
  private readonly sources = new Map<string, TrackSource | null>();
  private readonly subscriptions = new Map<string, Subscription>();
  private negotiating = false;
  private negotiationWanted = false;
  private iceRestartWanted = false;
  private negotiateTimer: NodeJS.Timeout | null = null;
  private answerTimer: NodeJS.Timeout | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: Logger;

  constructor(readonly id: string, config: Partial<PeerConfig>, logger: Logger) {
    super();
    this.log = logger.child({ peerId: id });
    this.pub = new RTCPeerConnection(config);
    this.sub = new RTCPeerConnection(config);
    this.pub.connectionStateChange.subscribe((state) => this.emit('connection-state', { side: 'publish', state: state as PeerConnectionState }));
    this.sub.connectionStateChange.subscribe((state) => {
      this.emit('connection-state', { side: 'subscribe', state: state as PeerConnectionState });
      if (state === 'connected') this.keyframesSoon([...this.subscriptions.values()].map((s) => s.track));
    });
    this.pub.onRemoteTransceiverAdded.subscribe((transceiver) => {
      transceiver.onTrack.subscribe((remote) => this.onRemoteTrack(remote, transceiver));
    });
  }

  private onRemoteTrack(remote: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    const mid = transceiver.mid;
    if (this.closed || mid === null || this.tracks.has(mid)) return;
    const kind: MediaKind = remote.kind === 'video' ? 'video' : 'audio';
    const declared = this.sources.get(mid);
    const source: TrackSource = declared ?? (kind === 'video' ? 'camera' : 'microphone');
    const track = new WeriftTrack(this.id, kind, source, remote, transceiver);
    track.forwarding = declared !== null;
    this.tracks.set(mid, track);
    this.log.debug({ mid, kind, source, trackId: track.id }, 'track published');
    this.emit('track', track);
  }

  async publish(offer: SessionDescription, sources: Readonly<Record<string, TrackSource>>): Promise<SessionDescription> {
    if (this.closed) throw new Error('peer is closed');
    for (const [mid, source] of Object.entries(sources)) this.sources.set(mid, source);
    await this.pub.setRemoteDescription(offer);
    await this.pub.setLocalDescription(await this.pub.createAnswer());
    await waitForGathering(this.pub);
    this.setSources(sources);
    return this.described(this.pub, 'publish');
  }

  /** The local description to send; one without candidates cannot connect (e.g. every port of the range in use). */
  private described(pc: RTCPeerConnection, side: 'publish' | 'subscribe'): SessionDescription {
    const description = describe(pc);
    if (!description.sdp.includes('a=candidate:')) this.log.warn({ side }, 'no ICE candidates gathered: the client cannot connect (ICE port range exhausted?)');
    return description;
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
        this.emit(track.forwarding ? 'track' : 'track-ended', track);
      }
    }
  }

  publishedTracks(): PublishedTrack[] {
    return [...this.tracks.values()].filter((t) => !t.ended && t.forwarding);
  }

  subscribe(track: PublishedTrack): void {
    if (this.closed || this.subscriptions.has(track.id)) return;
    if (!(track instanceof WeriftTrack) || track.ended) return;
    const transceiver = this.sub.addTransceiver(track.kind, { direction: 'sendonly' });
    const sender = transceiver.sender;
    const stopForwarding = track.addSink((rtp) => void sender.sendRtp(rtp.clone()).catch(() => undefined));
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
    try {
      this.sub.removeTrack(s.transceiver.sender);
    } catch (err) {
      this.log.debug({ err }, 'removing a subscribed track failed');
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
    if (this.sub.signalingState === 'have-local-offer') await this.sub.setLocalDescription({ type: 'rollback' });
    const offer = await this.sub.createOffer(iceRestart ? { iceRestart: true } : {});
    await this.sub.setLocalDescription(offer);
    await waitForGathering(this.sub);
    if (this.closed) return;
    const tracks: SubscribedTrack[] = [];
    for (const s of this.subscriptions.values()) {
      if (s.transceiver.mid !== null) tracks.push({ mid: s.transceiver.mid, trackId: s.track.id, peerId: s.track.peerId, kind: s.track.kind, source: s.track.source });
    }
    const message: SubscriberOffer = { description: this.described(this.sub, 'subscribe'), tracks };
    // A client that never answers must not block later offers forever.
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = setTimeout(() => {
      this.answerTimer = null;
      if (this.negotiating) {
        this.negotiating = false;
        this.requestNegotiation();
      }
    }, 10_000);
    this.emit('subscriber-offer', message);
  }

  async acceptSubscriberAnswer(answer: SessionDescription): Promise<void> {
    if (this.closed) return;
    if (this.sub.signalingState !== 'have-local-offer') return;
    await this.sub.setRemoteDescription(answer);
    if (this.answerTimer) clearTimeout(this.answerTimer);
    this.answerTimer = null;
    this.negotiating = false;
    this.keyframesSoon([...this.subscriptions.values()].map((s) => s.track));
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

  async stats(): Promise<PeerStats> {
    const result: PeerStats = { publish: { packetsReceived: 0, packetsLost: 0, bytesReceived: 0 }, subscribe: { packetsSent: 0, bytesSent: 0, packetsLostReported: 0 } };
    const [pubReport, subReport] = await Promise.all([this.pub.getStats(), this.sub.getStats()]);
    for (const s of pubReport.values()) {
      const r = s as unknown as Record<string, unknown>;
      if (r.type === 'inbound-rtp') {
        result.publish.packetsReceived += num(r.packetsReceived);
        result.publish.packetsLost += num(r.packetsLost);
        result.publish.bytesReceived += num(r.bytesReceived);
      }
    }
    for (const s of subReport.values()) {
      const r = s as unknown as Record<string, unknown>;
      if (r.type === 'outbound-rtp') {
        result.subscribe.packetsSent += num(r.packetsSent);
        result.subscribe.bytesSent += num(r.bytesSent);
      } else if (r.type === 'remote-inbound-rtp') {
        result.subscribe.packetsLostReported += num(r.packetsLost);
      }
    }
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
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
    for (const track of this.tracks.values()) {
      if (!track.ended) {
        track.end();
        this.emit('track-ended', track);
      }
    }
    await Promise.allSettled([this.pub.close(), this.sub.close()]);
    this.emit('closed');
    this.removeAllListeners();
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

class WeriftRoom implements SfuRoom {
  closed = false;
  private readonly peers = new Map<string, WeriftPeer>();

  constructor(
    readonly id: string,
    private readonly config: Partial<PeerConfig>,
    private readonly log: Logger,
    private readonly onClosed: () => void,
  ) {}

  addPeer(peerId: string): SfuPeer {
    if (this.closed) throw new Error(`room ${this.id} is closed`);
    const existing = this.peers.get(peerId);
    if (existing) void existing.close();
    const peer = new WeriftPeer(peerId, this.config, this.log);
    this.peers.set(peerId, peer);
    peer.once('closed', () => {
      if (this.peers.get(peerId) === peer) this.peers.delete(peerId);
    });
    return peer;
  }

  getPeer(peerId: string): SfuPeer | undefined {
    return this.peers.get(peerId);
  }

  async removePeer(peerId: string): Promise<void> {
    const peer = this.peers.get(peerId);
    this.peers.delete(peerId);
    await peer?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.allSettled(peers.map((p) => p.close()));
    this.onClosed();
  }
}

/** The SFU on werift: WebRTC in Node, RTP forwarded without decoding. */
export function createWeriftSfu(opts: WeriftSfuOptions): Sfu {
  const config = peerConfig(opts);
  if (opts.announcedAddress || opts.portRange || opts.iceServers?.length) {
    // Server URLs only: TURN credentials stay out of the log.
    const iceServers = (opts.iceServers ?? []).flatMap((server) => server.urls);
    opts.logger.info({ announcedAddress: opts.announcedAddress, portRange: opts.portRange, iceServers }, 'live media ICE settings');
  }
  const rooms = new Map<string, WeriftRoom>();
  return {
    createRoom(roomId) {
      if (rooms.has(roomId)) throw new Error(`room ${roomId} exists`);
      const room = new WeriftRoom(roomId, config, opts.logger.child({ roomId }), () => rooms.delete(roomId));
      rooms.set(roomId, room);
      return room;
    },
    async close() {
      await Promise.allSettled([...rooms.values()].map((r) => r.close()));
      rooms.clear();
    },
  };
}
