import { livekitId, type Json } from './livekit-wire';

/** Rooms and participants as LiveKit's webhooks and Room API describe them (camelCase, zero values still present). */

export type ParticipantKind = 'STANDARD' | 'INGRESS' | 'EGRESS' | 'SIP' | 'AGENT';

export interface EmulatedParticipant {
  sid: string;
  identity: string;
  name: string;
  kind: ParticipantKind;
  metadata: string;
  joinedAtMs: number;
  state: 'JOINING' | 'JOINED' | 'ACTIVE' | 'DISCONNECTED';
  disconnectReason: string;
}

export interface EmulatedRoom {
  sid: string;
  name: string;
  emptyTimeout: number;
  departureTimeout: number;
  maxParticipants: number;
  metadata: string;
  creationTimeMs: number;
  participants: Map<string, EmulatedParticipant>;
}

export function newRoom(name: string, opts: { emptyTimeout?: number; departureTimeout?: number; maxParticipants?: number; metadata?: string } = {}): EmulatedRoom {
  return {
    sid: livekitId('RM_'), name, emptyTimeout: opts.emptyTimeout || 300, departureTimeout: opts.departureTimeout || 20,
    maxParticipants: opts.maxParticipants ?? 0, metadata: opts.metadata ?? '', creationTimeMs: Date.now(), participants: new Map(),
  };
}

export function newParticipant(identity: string, name: string, kind: ParticipantKind, metadata = ''): EmulatedParticipant {
  return { sid: livekitId('PA_'), identity, name, kind, metadata, joinedAtMs: Date.now(), state: 'ACTIVE', disconnectReason: 'UNKNOWN_REASON' };
}

const CODECS = ['audio/opus', 'audio/red', 'video/VP8', 'video/H264', 'video/VP9', 'video/AV1'];

export function roomJson(room: EmulatedRoom, activeRecording: boolean): Json {
  const active = [...room.participants.values()].filter((p) => p.state !== 'DISCONNECTED');
  return {
    sid: room.sid, name: room.name, emptyTimeout: room.emptyTimeout, departureTimeout: room.departureTimeout, maxParticipants: room.maxParticipants,
    creationTime: String(Math.floor(room.creationTimeMs / 1000)), creationTimeMs: String(room.creationTimeMs), turnPassword: '',
    enabledCodecs: CODECS.map((mime) => ({ mime, fmtpLine: '' })), metadata: room.metadata,
    numParticipants: active.filter((p) => p.kind !== 'EGRESS').length, numPublishers: active.filter((p) => p.kind === 'STANDARD').length, activeRecording,
  };
}

export function participantJson(p: EmulatedParticipant): Json {
  const recorder = p.kind === 'EGRESS';
  return {
    sid: p.sid, identity: p.identity, state: p.state, metadata: p.metadata, joinedAt: String(Math.floor(p.joinedAtMs / 1000)), joinedAtMs: String(p.joinedAtMs),
    name: p.name, version: 1,
    permission: { canSubscribe: true, canPublish: !recorder, canPublishData: !recorder, hidden: recorder, recorder, canUpdateMetadata: false },
    isPublisher: false, kind: p.kind, disconnectReason: p.disconnectReason,
  };
}
