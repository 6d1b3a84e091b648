import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PublishedTrack, SfuPeer, SfuRoom } from '../../adapters/sfu/sfu';
import type { Participant } from './participant';
import { isRecordedPicture, type RecordableRoomEvents, type RoomTrack } from './recorder-port';
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
    const peer = this.sfuRoom.addPeer(p.id, { keepsPictures: isRecordedPicture(p.role) });
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
    const refusal = refusalOf(p, track);
    if (refusal) p.connection?.send({ type: 'error', code: 'forbidden', message: refusal });
    // A student's camera waits for the word and a student's screen is never taken: neither is kept.
    if (refusal && track.kind === 'video') {
      track.forwarding = false;
      return;
    }
    const owned: RoomTrack = { track, participantId: p.id, participantName: p.name, role: p.role };
    this.trackOwners.set(track.id, owned);
    // A microphone is forwarded only while its owner has the word and is not muted; it is kept for later.
    if (!mayForward(p, track)) {
      track.forwarding = false;
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

  /**
   * Follows a participant's permissions (mute, the word given or taken back): their microphone is forwarded while
   * they may speak and are not muted, a student's camera while they have the word. A camera is only ever stopped
   * here: it starts again when its owner turns it on (their page sends its sources, and the track is new).
   */
  applyPermissions(p: Participant): void {
    for (const owned of [...this.trackOwners.values()]) {
      const { track } = owned;
      if (owned.participantId !== p.id || track.ended) continue;
      if (track.kind === 'video' && p.role === 'host') continue;
      const on = mayForward(p, track);
      if (track.forwarding === on || (on && track.kind === 'video')) continue;
      track.forwarding = on;
      if (on) {
        this.forwardToOthers(p.id, track);
        this.events.emit('track', owned);
      } else {
        this.stopForwarding(track.id);
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

/** Why a track of this participant is not taken at all now, or null. */
function refusalOf(p: Participant, track: PublishedTrack): string | null {
  if (p.role === 'host') return null;
  if (track.kind === 'video' && track.source === 'screen') return 'Only the instructor shares a screen in this class';
  if (!p.canSpeak) return track.kind === 'video' ? 'Your camera can be on once the instructor lets you speak' : 'The instructor has not let you speak yet';
  return null;
}

/** Whether a participant's track may reach the others now. */
function mayForward(p: Participant, track: PublishedTrack): boolean {
  if (track.kind === 'audio') return (p.role === 'host' || p.canSpeak) && !p.audioMuted;
  return p.role === 'host' || (p.canSpeak && track.source === 'camera');
}
