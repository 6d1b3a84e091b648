/**
 * A selective forwarding unit: browsers publish tracks to it and it forwards their RTP to the peers
 * subscribed to them, without decoding. Each peer has two connections: a publish side that the client
 * offers (its camera, microphone, screen) and a subscribe side that the server offers (everyone else's
 * tracks). One offerer per connection keeps renegotiation free of glare.
 */

import type { EventEmitter } from 'node:events';
import type { IceServer, MediaKind, SessionDescription, SubscribedTrack, TrackSource } from '../../contracts/live-signaling';

// The shapes the browser also sees are declared once, in the signaling contract.
export type { IceServer, MediaKind, SessionDescription, SubscribedTrack, TrackSource };

export type MediaCodec = 'vp8' | 'opus';
export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** One encoded frame of a published track, depacketized, for a recorder. */
export interface MediaFrame {
  codec: MediaCodec;
  data: Buffer;
  keyframe: boolean;
  /** False when a frame before this one was lost: a delta frame then decodes against a missing picture. */
  intact: boolean;
  /** Milliseconds on the publisher's media clock; continuous while the track lives. */
  mediaTimeMs: number;
  /**
   * The publisher's wall clock (ms since the epoch) when the frame was captured, from the track's RTCP sender
   * reports; null before the first report. Every track of one publisher is on this clock: it keeps them in sync.
   */
  senderTimeMs: number | null;
  /** Date.now() when the frame was complete on this server. */
  receivedAt: number;
}

export interface PublishedTrackEvents {
  frame: [MediaFrame];
  ended: [];
}

/** A track a peer publishes. */
export interface PublishedTrack extends EventEmitter<PublishedTrackEvents> {
  readonly id: string;
  readonly peerId: string;
  readonly kind: MediaKind;
  readonly codec: MediaCodec;
  /** What the publisher says the track carries; may change (a transceiver reused for a new screen share). */
  source: TrackSource;
  readonly ended: boolean;
  /**
   * When false the SFU drops the track's packets: subscribers and recorders receive nothing
   * (a muted participant, a screen share that stopped).
   */
  forwarding: boolean;
  /** Asks the publisher for a keyframe (rate-limited); audio ignores it. */
  requestKeyframe(): void;
  /**
   * A picture's last keyframe and the frames after it, as received: what a recorder attached now writes first, so
   * it shows the current picture at once instead of waiting for a keyframe. Null for audio, for a peer added without
   * `keepsPictures`, or when not known.
   */
  currentPicture(): readonly MediaFrame[] | null;
}

export interface SubscriberOffer {
  description: SessionDescription;
  tracks: SubscribedTrack[];
}

export interface SfuPeerEvents {
  track: [PublishedTrack];
  'track-ended': [PublishedTrack];
  /** The subscribe side changed; send this offer to the client and hand its answer to acceptSubscriberAnswer. */
  'subscriber-offer': [SubscriberOffer];
  'connection-state': [{ side: 'publish' | 'subscribe'; state: PeerConnectionState }];
  closed: [];
}

export interface PeerStats {
  publish: { packetsReceived: number; packetsLost: number; bytesReceived: number };
  /** `roundTripSeconds` from the browser's receiver reports of what the SFU sends it; null before the first. */
  subscribe: { packetsSent: number; bytesSent: number; packetsLostReported: number; roundTripSeconds: number | null };
}

export interface SfuPeer extends EventEmitter<SfuPeerEvents> {
  readonly id: string;
  readonly closed: boolean;
  /** The client's publish offer with the source of each sending mid; resolves with the answer. */
  publish(offer: SessionDescription, sources: Readonly<Record<string, TrackSource>>): Promise<SessionDescription>;
  /** Updates which mid carries what without renegotiation; a mid mapped to null stops forwarding. */
  setSources(sources: Readonly<Record<string, TrackSource | null>>): void;
  acceptSubscriberAnswer(answer: SessionDescription): Promise<void>;
  /** Starts forwarding a track to this peer (renegotiates the subscribe side). */
  subscribe(track: PublishedTrack): void;
  unsubscribe(trackId: string): void;
  /** Renegotiates the subscribe side from scratch, e.g. once the client is ready for it. */
  renegotiate(options?: { iceRestart?: boolean }): void;
  publishedTracks(): PublishedTrack[];
  stats(): Promise<PeerStats>;
  close(): Promise<void>;
}

export interface SfuRoom {
  readonly id: string;
  readonly closed: boolean;
  /**
   * A new peer; an existing peer with the same id is closed first (a client that rejoined). With `keepsPictures`
   * its video tracks keep their current picture (see `PublishedTrack.currentPicture`): for peers whose video is
   * recorded, since keeping it means depacketizing every frame.
   */
  addPeer(peerId: string, options: { keepsPictures: boolean }): SfuPeer;
  getPeer(peerId: string): SfuPeer | undefined;
  removePeer(peerId: string): Promise<void>;
  close(): Promise<void>;
}

export interface Sfu {
  createRoom(roomId: string): SfuRoom;
  close(): Promise<void>;
}
