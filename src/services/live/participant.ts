import type { SfuPeer } from '../../adapters/sfu/sfu';
import type { ParticipantView, RoomRole, SeatKind, ServerMessage } from '../../contracts/live-signaling';
import type { Principal } from '../../domain/identity';

/** The transport of one participant (a WebSocket); the room never sees HTTP. */
export interface ParticipantConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

/** One person in a room, across their reconnections. */
export interface Participant {
  id: string;
  name: string;
  role: RoomRole;
  principal: Principal;
  handRaised: boolean;
  handRaisedAt: string | null;
  canSpeak: boolean;
  audioMuted: boolean;
  connection: ParticipantConnection | null;
  peer: SfuPeer | null;
  joinedAt: string | null;
  chatTimes: number[];
  /** Decided each time they join (see RoomSeats). */
  seat: SeatKind;
}

export function participantIdOf(p: Principal): string {
  return p.kind === 'user' ? p.userId : `key:${p.apiKeyId ?? 'admin'}`;
}

export function nameOf(p: Principal): string {
  return p.kind === 'user' ? p.name : 'Administrator (API key)';
}

/** A participant who has not been in the room before; an instructor may always speak. */
export function newParticipant(id: string, principal: Principal, role: RoomRole): Participant {
  return {
    id, name: nameOf(principal), role, principal, handRaised: false, handRaisedAt: null, canSpeak: role === 'host',
    audioMuted: false, connection: null, peer: null, joinedAt: null, chatTimes: [], seat: 'interactive',
  };
}

export function participantView(p: Participant): ParticipantView {
  const publishing = p.peer ? [...new Set(p.peer.publishedTracks().map((t) => t.source))] : [];
  return {
    id: p.id, name: p.name, role: p.role, connected: p.connection !== null, handRaised: p.handRaised, handRaisedAt: p.handRaisedAt, canSpeak: p.role === 'host' || p.canSpeak,
    audioMuted: p.audioMuted, joinedAt: p.joinedAt, publishing, seat: p.seat,
  };
}

/** What a participant is told of their own right to speak. */
export function permissionsOf(p: Participant): ServerMessage {
  return { type: 'permissions', canSpeak: p.role === 'host' || p.canSpeak, audioMuted: p.audioMuted };
}
