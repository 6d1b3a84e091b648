import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PublishedTrack, SfuPeer, SfuRoom } from '../../adapters/sfu/sfu';
import type { Participant } from './participant';
import type { RecordableRoomEvents, RoomTrack } from './recorder-port';
import type { RoomRoster } from './room-roster';

/** A room's media routing: who publishes which track, and which peers receive it. */
export class RoomMedia {
  private readonly trackOwners = new Map<string, RoomTrack>();

  constructor(
    private readonly sfuRoom: SfuRoom,
    private readonly roster: RoomRoster,
    /** The room: recorders hear of tracks that start and stop being forwarded. */
    private readonly events: EventEmitter<RecordableRoomEvents>,
    private readonly log: Logger,
    private readonly isClosed: () => boolean,
  ) {}

  liveTracks(): RoomTrack[] {
    return [...this.trackOwners.values()].filter((t) => !t.track.ended && t.track.forwarding);
  }

  /** A fresh SFU peer per connection; it receives every track already published by someone else. */
  attachPeer(p: Participant): void {
    this.detachPeer(p);
    const peer = this.sfuRoom.addPeer(p.id);
    p.peer = peer;
    peer.on('track', (track) => this.onTrack(p, peer, track));
    peer.on('track-ended', (track) => this.onTrackEnded(track));
    peer.on('subscriber-offer', (offer) => {
      if (p.peer !== peer) return;
      p.connection?.send({
        type: 'subscriber-offer',
        description: offer.description,
        tracks: offer.tracks.map((t) => ({ ...t, participantName: this.roster.get(t.peerId)?.name ?? 'Someone' })),
      });
    });
    peer.on('connection-state', ({ side, state }) => this.log.debug({ participantId: p.id, side, state }, 'media connection state'));
    for (const owned of this.liveTracks()) if (owned.participantId !== p.id) peer.subscribe(owned.track);
  }

  detachPeer(p: Participant): void {
    const peer = p.peer;
    p.peer = null;
    if (peer) void peer.close();
  }

  private onTrack(p: Participant, peer: SfuPeer, track: PublishedTrack): void {
    if (p.peer !== peer || this.isClosed()) return;
    if (p.role !== 'host' && track.kind === 'video') {
      track.forwarding = false;
      p.connection?.send({ type: 'error', code: 'forbidden', message: 'Only the instructor shares video in this class' });
      return;
    }
    const owned: RoomTrack = { track, participantId: p.id, participantName: p.name, role: p.role };
    this.trackOwners.set(track.id, owned);
    // A microphone is forwarded only while its owner has the word and is not muted; it is kept for later.
    if (track.kind === 'audio' && ((p.role !== 'host' && !p.canSpeak) || p.audioMuted)) {
      track.forwarding = false;
      if (!p.canSpeak && p.role !== 'host') p.connection?.send({ type: 'error', code: 'forbidden', message: 'The instructor has not let you speak yet' });
      return;
    }
    if (!track.forwarding) return;
    this.forwardToOthers(p.id, track);
    this.events.emit('track', owned);
    this.roster.broadcastParticipants();
  }

  private onTrackEnded(track: PublishedTrack): void {
    const owned = this.trackOwners.get(track.id);
    if (track.ended) this.trackOwners.delete(track.id);
    this.stopForwarding(track.id);
    if (owned) this.events.emit('track-ended', owned);
    if (!this.isClosed()) this.roster.broadcastParticipants();
  }

  /** Stops or restarts forwarding of a participant's microphone(s) (mute, speaking permission). */
  setAudioForwarding(p: Participant, on: boolean): void {
    for (const owned of [...this.trackOwners.values()]) {
      if (owned.participantId !== p.id || owned.track.kind !== 'audio' || owned.track.ended) continue;
      if (owned.track.forwarding === on) continue;
      owned.track.forwarding = on;
      if (on) {
        this.forwardToOthers(p.id, owned.track);
        this.events.emit('track', owned);
      } else {
        this.stopForwarding(owned.track.id);
        this.events.emit('track-ended', owned);
      }
    }
  }

  private forwardToOthers(ownerId: string, track: PublishedTrack): void {
    for (const other of this.roster.all()) if (other.id !== ownerId && other.peer) other.peer.subscribe(track);
  }

  private stopForwarding(trackId: string): void {
    for (const other of this.roster.all()) other.peer?.unsubscribe(trackId);
  }

  close(): Promise<void> {
    return this.sfuRoom.close();
  }
}
