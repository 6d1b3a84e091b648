import { readJsonLines } from '../adapters/json-lines';
import type { ClassWatch } from './watch-analytics';
import { EventEmitter } from 'node:events';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import type { CatalogRepository } from '../adapters/db/catalog-repository';
import type { LiveClassRecord, LiveClassRepository } from '../adapters/db/live-class-repository';
import type { RecordingRepository } from '../adapters/db/recording-repository';
import type { IceServer, PublishedTrack, SessionDescription, Sfu, SfuPeer, SfuRoom, SubscribedTrack, TrackSource } from '../adapters/sfu/sfu';
import { AccessDenied, Conflict, DomainError, NotFound } from '../domain/errors';
import type { Principal } from '../domain/identity';
import type { LiveClassStatus } from '../domain/recording-state';
import type { ChangeFeed } from '../contracts/change-feed';
import type { LiveClassService } from './live-classes';
import type { RecordingService } from './recordings';
import type { ViewerAccess } from './viewer-access';

// ------------------------------------------------------------------ wire types

export type RoomRole = 'host' | 'student';

export interface ChatMessage {
  id: string;
  at: string;
  authorId: string;
  author: string;
  text: string;
}

export interface ParticipantView {
  id: string;
  name: string;
  role: RoomRole;
  connected: boolean;
  handRaised: boolean;
  canSpeak: boolean;
  audioMuted: boolean;
  joinedAt: string | null;
  publishing: TrackSource[];
}

export type ClientCommand =
  | { type: 'publish'; description: SessionDescription; sources: Record<string, TrackSource> }
  | { type: 'sources'; sources: Record<string, TrackSource | null> }
  | { type: 'subscriber-answer'; description: SessionDescription }
  | { type: 'resubscribe'; iceRestart?: boolean | undefined }
  | { type: 'chat'; text: string }
  | { type: 'raise-hand'; raised: boolean }
  | { type: 'start-class' }
  | { type: 'end-class' }
  | { type: 'record'; action: 'start' | 'stop' }
  | { type: 'allow-speak'; participantId: string; allowed: boolean }
  | { type: 'mute'; participantId: string }
  | { type: 'set-muted'; muted: boolean }
  | { type: 'remove'; participantId: string };

export type ServerMessage =
  | {
      type: 'welcome';
      you: ParticipantView;
      liveClass: { id: string; title: string; status: LiveClassStatus; autoRecord: boolean; lessonId: string | null };
      participants: ParticipantView[];
      chat: ChatMessage[];
      recording: { id: string; startedAt: string } | null;
      hostAwayUntil: string | null;
      /** STUN/TURN servers for the page's peer connections. */
      iceServers: IceServer[];
    }
  | { type: 'participants'; participants: ParticipantView[] }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'class'; status: LiveClassStatus }
  | { type: 'recording'; recording: { id: string; startedAt: string } | null }
  | { type: 'publish-answer'; description: SessionDescription }
  | { type: 'subscriber-offer'; description: SessionDescription; tracks: Array<SubscribedTrack & { participantName: string }> }
  | { type: 'permissions'; canSpeak: boolean; audioMuted: boolean }
  | { type: 'host-away'; until: string | null }
  | { type: 'ended'; reason: string }
  | { type: 'removed'; message: string }
  | { type: 'error'; code: string; message: string };

/** The transport of one participant (a WebSocket); the room never sees HTTP. */
export interface ParticipantConnection {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

/** WebSocket close codes the page understands. */
export const CLOSE_CODES = {
  replaced: 4000,
  removed: 4001,
  ended: 4002,
  serverClosing: 4003,
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  notStarted: 4409,
  classOver: 4410,
} as const;

/** Why a participant may not enter; the signaling route sends the message and closes with the code. */
export class RoomRefusal extends Error {
  constructor(
    readonly code: string,
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------ recorder port

export interface RoomTrack {
  track: PublishedTrack;
  participantId: string;
  participantName: string;
  role: RoomRole;
}

export interface RecordableRoomEvents {
  track: [RoomTrack];
  'track-ended': [RoomTrack];
  chat: [ChatMessage];
  closed: [];
}

/** What a recorder sees of a room: its live tracks and chat as they come and go. */
export interface RecordableRoom extends EventEmitter<RecordableRoomEvents> {
  readonly liveClassId: string;
  liveTracks(): RoomTrack[];
}

export interface RoomRecorderPort {
  /** Starts capturing a recording of the room; calling it again for the same recording does nothing. */
  start(room: RecordableRoom, recording: { id: string; startedAt: string }): Promise<void>;
}

// ------------------------------------------------------------------ attendance

export type RoomJournalEntry =
  | { type: 'join'; at: string; userId: string; name: string; role: RoomRole }
  | { type: 'leave'; at: string; userId: string }
  | { type: 'chat'; at: string; message: ChatMessage }
  | { type: 'tick'; at: string };

export interface AttendanceRow {
  userId: string;
  name: string;
  email: string | null;
  role: RoomRole;
  enrolled: boolean;
  sessions: Array<{ joinedAt: string; leftAt: string }>;
  firstJoinedAt: string | null;
  lastLeftAt: string | null;
  secondsPresent: number;
  /** What they watched of this class's recordings afterwards. */
  recordingWatch: ClassWatch;
}

/**
 * Time present per person from the room's journal: join/leave pairs, clipped to the class's start and
 * end, overlapping sessions (two tabs) counted once. A session still open ends at `until` (now, the
 * class's end, or the last sign of life before a crash).
 */
export function computeAttendance(entries: readonly RoomJournalEntry[], window: { from: string | null; until: string }): Map<string, { name: string; role: RoomRole; sessions: Array<{ joinedAt: string; leftAt: string }> }> {
  const open = new Map<string, string[]>();
  const people = new Map<string, { name: string; role: RoomRole; sessions: Array<{ joinedAt: string; leftAt: string }> }>();
  const untilMs = Date.parse(window.until);
  const fromMs = window.from ? Date.parse(window.from) : Number.NEGATIVE_INFINITY;
  const close = (userId: string, joinedAt: string, leftAt: string) => {
    const start = Math.max(Date.parse(joinedAt), fromMs);
    const end = Math.min(Date.parse(leftAt), untilMs);
    if (end > start) people.get(userId)?.sessions.push({ joinedAt: new Date(start).toISOString(), leftAt: new Date(end).toISOString() });
  };
  for (const e of entries) {
    if (e.type === 'join') {
      const p = people.get(e.userId);
      if (p) p.name = e.name;
      else people.set(e.userId, { name: e.name, role: e.role, sessions: [] });
      open.set(e.userId, [...(open.get(e.userId) ?? []), e.at]);
    } else if (e.type === 'leave') {
      const starts = open.get(e.userId);
      const joinedAt = starts?.shift();
      if (joinedAt) close(e.userId, joinedAt, e.at);
    }
  }
  for (const [userId, starts] of open) for (const joinedAt of starts) close(userId, joinedAt, window.until);
  for (const p of people.values()) p.sessions = mergeSessions(p.sessions);
  return people;
}

/** A provider's joins and leaves as journal entries; only the batch's students count as students. */
function presenceJournal(rows: ReadonlyArray<{ userId: string; name: string; joinedAt: string; leftAt: string | null }>, students: ReadonlySet<string>): RoomJournalEntry[] {
  const entries: RoomJournalEntry[] = [];
  for (const r of rows) {
    entries.push({ type: 'join', at: r.joinedAt, userId: r.userId, name: r.name, role: students.has(r.userId) ? 'student' : 'host' });
    if (r.leftAt) entries.push({ type: 'leave', at: r.leftAt, userId: r.userId });
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

function mergeSessions(sessions: Array<{ joinedAt: string; leftAt: string }>) {
  const sorted = [...sessions].sort((a, b) => a.joinedAt.localeCompare(b.joinedAt));
  const merged: Array<{ joinedAt: string; leftAt: string }> = [];
  for (const s of sorted) {
    const last = merged.at(-1);
    if (last && s.joinedAt <= last.leftAt) {
      if (s.leftAt > last.leftAt) last.leftAt = s.leftAt;
    } else merged.push({ ...s });
  }
  return merged;
}

// ------------------------------------------------------------------ the room

interface Participant {
  id: string;
  name: string;
  role: RoomRole;
  principal: Principal;
  handRaised: boolean;
  canSpeak: boolean;
  audioMuted: boolean;
  connection: ParticipantConnection | null;
  peer: SfuPeer | null;
  joinedAt: string | null;
  chatTimes: number[];
}

type RoomDeps = LiveRoomServiceDeps & { recorderStart?: (room: RecordableRoom, recording: { id: string; startedAt: string }) => Promise<void> };

export interface Admission {
  room: LiveRoom;
  role: RoomRole;
  principal: Principal;
}

export interface LiveRoomServiceDeps {
  sfu: Sfu;
  /** Handed to every participant's browser so it can reach the SFU from behind NAT. */
  iceServers: readonly IceServer[];
  liveClasses: Pick<LiveClassService, 'start' | 'end'>;
  liveClassRepo: Pick<LiveClassRepository, 'get' | 'list'>;
  recordings: Pick<RecordingService, 'start' | 'stop'>;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass' | 'get'>;
  access: ViewerAccess;
  members: Pick<CatalogRepository, 'listMembers'>;
  /** Joins and leaves seen by a provider's room (LiveKit classes), for their attendance. */
  providerPresence?: ((liveClassId: string) => Promise<Array<{ userId: string; name: string; joinedAt: string; leftAt: string | null }>>) | undefined;
  /** Watch time of the class's recordings per user, shown beside attendance. */
  watchOfClass?: ((liveClassId: string) => Promise<Map<string, ClassWatch>>) | undefined;
  feed: ChangeFeed;
  clock: Clock;
  logger: Logger;
  /** Where each class's journal (joins, leaves, chat) is kept: `<dir>/<liveClassId>/journal.jsonl`. */
  journalDir: string;
  /** How long a live class waits for its instructor to come back before it ends. */
  graceSeconds: number;
  /** How often an open room checks that its class is still live (ended through the API, deleted). */
  watchIntervalMs?: number | undefined;
}

const MAX_CHAT_IN_WELCOME = 200;
const MAX_CHAT_LENGTH = 2000;
const TICK_MS = 30_000;
const CHAT_WINDOW_MS = 10_000;
const CHAT_MAX_IN_WINDOW = 20;

export function participantIdOf(p: Principal): string {
  return p.kind === 'user' ? p.userId : `key:${p.apiKeyId ?? 'admin'}`;
}

function nameOf(p: Principal): string {
  return p.kind === 'user' ? p.name : 'Administrator (API key)';
}

let messageCounter = 0;

/** One native live class's room: participants, media routing, chat, attendance, the instructor's grace period. */
export class LiveRoom extends EventEmitter<RecordableRoomEvents> implements RecordableRoom {
  closed = false;
  status: LiveClassStatus;
  title: string;
  autoRecord: boolean;
  lessonId: string | null;
  recording: { id: string; startedAt: string } | null = null;
  /** Reopened after a restart: an auto-recorded class records again once its instructor is back. */
  resumed = false;
  private readonly participants = new Map<string, Participant>();
  private readonly removed = new Set<string>();
  private readonly journal: RoomJournalEntry[] = [];
  private readonly chat: ChatMessage[] = [];
  private readonly sfuRoom: SfuRoom;
  private readonly trackOwners = new Map<string, RoomTrack>();
  private journalWrites: Promise<void> = Promise.resolve();
  private graceTimer: NodeJS.Timeout | null = null;
  private hostAwayUntil: string | null = null;
  private readonly tickTimer: NodeJS.Timeout;
  private readonly watchTimer: NodeJS.Timeout;
  private readonly log: Logger;
  private ending: Promise<void> | null = null;

  constructor(
    readonly liveClassId: string,
    cls: LiveClassRecord,
    private readonly deps: RoomDeps,
    private readonly journalFile: string,
    restored: RoomJournalEntry[],
    private readonly onClosed: () => void,
  ) {
    super();
    this.status = cls.status;
    this.title = cls.title;
    this.autoRecord = cls.autoRecord;
    this.lessonId = cls.lessonId;
    this.log = deps.logger.child({ liveClassId, room: liveClassId });
    this.sfuRoom = deps.sfu.createRoom(liveClassId);
    // Sessions left open by a process that died end at the last sign of life it wrote.
    const lastSeen = restored.at(-1)?.at;
    const stillOpen = new Map<string, number>();
    for (const e of restored) {
      this.journal.push(e);
      if (e.type === 'chat') this.chat.push(e.message);
      if (e.type === 'join') stillOpen.set(e.userId, (stillOpen.get(e.userId) ?? 0) + 1);
      if (e.type === 'leave') stillOpen.set(e.userId, Math.max(0, (stillOpen.get(e.userId) ?? 0) - 1));
    }
    if (lastSeen) {
      for (const [userId, n] of stillOpen) for (let i = 0; i < n; i++) this.record({ type: 'leave', at: lastSeen, userId });
    }
    this.tickTimer = setInterval(() => {
      if (this.connectedParticipants().length > 0) this.record({ type: 'tick', at: isoNow(deps.clock) });
    }, TICK_MS);
    this.tickTimer.unref();
    this.watchTimer = setInterval(() => void this.checkClass(), deps.watchIntervalMs ?? 5_000);
    this.watchTimer.unref();
  }

  // ---------------------------------------------------------------- state views

  get connectedCount(): number {
    return this.connectedParticipants().length;
  }

  private connectedParticipants(): Participant[] {
    return [...this.participants.values()].filter((p) => p.connection !== null);
  }

  private view(p: Participant): ParticipantView {
    const publishing = p.peer ? [...new Set(p.peer.publishedTracks().map((t) => t.source))] : [];
    return {
      id: p.id, name: p.name, role: p.role, connected: p.connection !== null, handRaised: p.handRaised, canSpeak: p.role === 'host' || p.canSpeak,
      audioMuted: p.audioMuted, joinedAt: p.joinedAt, publishing,
    };
  }

  participantViews(): ParticipantView[] {
    return [...this.participants.values()]
      .filter((p) => p.connection !== null)
      .map((p) => this.view(p))
      .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'host' ? -1 : 1));
  }

  chatLog(): ChatMessage[] {
    return [...this.chat];
  }

  journalEntries(): RoomJournalEntry[] {
    return [...this.journal];
  }

  liveTracks(): RoomTrack[] {
    return [...this.trackOwners.values()].filter((t) => !t.track.ended && t.track.forwarding);
  }

  private broadcast(message: ServerMessage, except?: string): void {
    for (const p of this.participants.values()) if (p.id !== except) p.connection?.send(message);
  }

  private broadcastParticipants(): void {
    this.broadcast({ type: 'participants', participants: this.participantViews() });
  }

  private record(entry: RoomJournalEntry): void {
    this.journal.push(entry);
    const line = `${JSON.stringify(entry)}\n`;
    this.journalWrites = this.journalWrites
      .then(() => appendFile(this.journalFile, line))
      .catch((err: unknown) => this.log.error({ err }, 'could not write the room journal'));
  }

  // ---------------------------------------------------------------- joining and leaving

  join(admission: Admission, connection: ParticipantConnection): RoomMember {
    if (this.closed) throw new RoomRefusal('ended', CLOSE_CODES.classOver, 'This class has ended');
    const id = participantIdOf(admission.principal);
    if (this.removed.has(id)) throw new RoomRefusal('removed', CLOSE_CODES.forbidden, 'The instructor removed you from this class');
    const now = isoNow(this.deps.clock);
    let p = this.participants.get(id);
    if (p?.connection) {
      const old = p.connection;
      p.connection = null;
      old.close(CLOSE_CODES.replaced, 'You joined from another window');
      this.record({ type: 'leave', at: now, userId: id });
    }
    if (!p) {
      p = {
        id, name: nameOf(admission.principal), role: admission.role, principal: admission.principal, handRaised: false, canSpeak: admission.role === 'host',
        audioMuted: false, connection: null, peer: null, joinedAt: null, chatTimes: [],
      };
      this.participants.set(id, p);
    }
    p.role = admission.role;
    p.principal = admission.principal;
    p.connection = connection;
    p.joinedAt = now;
    this.record({ type: 'join', at: now, userId: id, name: p.name, role: p.role });
    this.attachPeer(p);
    this.log.info({ participantId: id, role: p.role }, 'participant joined');

    connection.send({
      type: 'welcome',
      you: this.view(p),
      liveClass: { id: this.liveClassId, title: this.title, status: this.status, autoRecord: this.autoRecord, lessonId: this.lessonId },
      participants: this.participantViews(),
      chat: this.chat.slice(-MAX_CHAT_IN_WELCOME),
      recording: this.recording,
      hostAwayUntil: this.hostAwayUntil,
      iceServers: this.deps.iceServers.map((server) => ({ ...server })),
    });
    this.broadcastParticipants();
    if (p.role === 'host') {
      this.hostArrived();
      this.recordAgainAfterRestart();
    }
    return new RoomMember(this, p, connection);
  }

  /** A fresh SFU peer per connection; it receives every track already published by someone else. */
  private attachPeer(p: Participant): void {
    const previous = p.peer;
    p.peer = null;
    if (previous) void previous.close();
    const peer = this.sfuRoom.addPeer(p.id);
    p.peer = peer;
    peer.on('track', (track) => this.onTrack(p, peer, track));
    peer.on('track-ended', (track) => this.onTrackEnded(track));
    peer.on('subscriber-offer', (offer) => {
      if (p.peer !== peer) return;
      p.connection?.send({
        type: 'subscriber-offer',
        description: offer.description,
        tracks: offer.tracks.map((t) => ({ ...t, participantName: this.participants.get(t.peerId)?.name ?? 'Someone' })),
      });
    });
    peer.on('connection-state', ({ side, state }) => this.log.debug({ participantId: p.id, side, state }, 'media connection state'));
    for (const owned of this.liveTracks()) if (owned.participantId !== p.id) peer.subscribe(owned.track);
  }

  private onTrack(p: Participant, peer: SfuPeer, track: PublishedTrack): void {
    if (p.peer !== peer || this.closed) return;
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
    for (const other of this.participants.values()) if (other.id !== p.id && other.peer) other.peer.subscribe(track);
    this.emit('track', owned);
    this.broadcastParticipants();
  }

  private onTrackEnded(track: PublishedTrack): void {
    const owned = this.trackOwners.get(track.id);
    if (track.ended) this.trackOwners.delete(track.id);
    for (const other of this.participants.values()) other.peer?.unsubscribe(track.id);
    if (owned) this.emit('track-ended', owned);
    if (!this.closed) this.broadcastParticipants();
  }

  /** Stops or restarts forwarding of a participant's microphone(s) (mute, speaking permission). */
  private setAudioForwarding(p: Participant, on: boolean): void {
    for (const owned of [...this.trackOwners.values()]) {
      if (owned.participantId !== p.id || owned.track.kind !== 'audio' || owned.track.ended) continue;
      if (owned.track.forwarding === on) continue;
      owned.track.forwarding = on;
      if (on) {
        for (const other of this.participants.values()) if (other.id !== p.id && other.peer) other.peer.subscribe(owned.track);
        this.emit('track', owned);
      } else {
        for (const other of this.participants.values()) other.peer?.unsubscribe(owned.track.id);
        this.emit('track-ended', owned);
      }
    }
  }

  leave(p: Participant, connection: ParticipantConnection): void {
    if (p.connection !== connection) return;
    p.connection = null;
    p.joinedAt = null;
    const peer = p.peer;
    p.peer = null;
    if (peer) void peer.close();
    this.record({ type: 'leave', at: isoNow(this.deps.clock), userId: p.id });
    this.log.info({ participantId: p.id, role: p.role }, 'participant left');
    if (this.closed) return;
    this.broadcastParticipants();
    if (p.role === 'host' && !this.hasHost()) this.hostLeft();
  }

  // ---------------------------------------------------------------- the instructor's presence

  private hasHost(): boolean {
    return [...this.participants.values()].some((p) => p.role === 'host' && p.connection !== null);
  }

  private hostArrived(): void {
    if (this.graceTimer) {
      clearTimeout(this.graceTimer);
      this.graceTimer = null;
      this.hostAwayUntil = null;
      this.log.info('instructor is back; the class goes on');
      this.broadcast({ type: 'host-away', until: null });
    }
  }

  /** Without an instructor a live class waits for the grace period, then ends (and its recording is finalised). */
  hostLeft(): void {
    if (this.status !== 'live' || this.graceTimer || this.closed) return;
    const ms = this.deps.graceSeconds * 1000;
    this.hostAwayUntil = new Date(this.deps.clock.now().getTime() + ms).toISOString();
    this.log.info({ graceSeconds: this.deps.graceSeconds }, 'instructor left; waiting before ending the class');
    this.broadcast({ type: 'host-away', until: this.hostAwayUntil });
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      if (this.hasHost() || this.closed) return;
      this.log.info('instructor did not come back; ending the class');
      void this.endClass('system', 'The instructor did not come back; the class has ended').catch((err: unknown) => this.log.error({ err }, 'could not end the class after the grace period'));
    }, ms);
    this.graceTimer.unref();
  }

  // ---------------------------------------------------------------- class and recording

  async startClass(actor: Principal): Promise<void> {
    if (this.status === 'live') return;
    const { liveClass, recording } = await this.deps.liveClasses.start(actor, this.liveClassId);
    this.status = liveClass.status;
    this.broadcast({ type: 'class', status: this.status });
    if (recording) this.recordingStarted({ id: recording.id, startedAt: recording.startedAt });
  }

  /** Ends the class (recordings stop and become playable), tells everyone, closes the room. */
  endClass(actor: Principal | 'system', reason = 'The instructor ended the class'): Promise<void> {
    this.ending ??= (async () => {
      try {
        await this.deps.liveClasses.end(actor, this.liveClassId);
      } catch (err) {
        this.ending = null;
        throw err;
      }
      this.status = 'ended';
      await this.close(reason);
    })();
    return this.ending;
  }

  private recordAgainAfterRestart(attempt = 0): void {
    if (!this.resumed || this.closed || this.status !== 'live' || !this.autoRecord || this.recording) return;
    void this.deps.recordings
      .start('system', this.liveClassId, 'auto-record: class resumed after a restart')
      .then((rec) => {
        this.resumed = false;
        this.recordingStarted({ id: rec.id, startedAt: rec.startedAt });
      })
      .catch((err: unknown) => {
        // The interrupted recording may still be being recovered; it stops being active shortly.
        if (attempt < 15) setTimeout(() => this.recordAgainAfterRestart(attempt + 1), 2_000).unref();
        else this.log.warn({ err }, 'could not record the resumed class');
      });
  }

  recordingStarted(recording: { id: string; startedAt: string }): void {
    if (this.recording?.id === recording.id) return;
    this.recording = recording;
    this.broadcast({ type: 'recording', recording });
    void this.deps.recorderStart?.(this, recording);
  }

  recordingStopped(recordingId: string): void {
    if (this.recording?.id === recordingId) {
      this.recording = null;
      this.broadcast({ type: 'recording', recording: null });
    }
    if (this.hasHost()) this.recordAgainAfterRestart();
  }

  async startRecording(actor: Principal): Promise<void> {
    const rec = await this.deps.recordings.start(actor, this.liveClassId, 'started in the room');
    this.recordingStarted({ id: rec.id, startedAt: rec.startedAt });
  }

  async stopRecording(actor: Principal): Promise<void> {
    const active = await this.deps.recordingsRepo.activeForClass(this.liveClassId);
    if (active.length === 0) throw new Conflict('Nothing is being recorded');
    for (const rec of active) await this.deps.recordings.stop(actor, rec.id, 'stopped in the room');
    for (const rec of active) this.recordingStopped(rec.id);
  }

  private async checkClass(): Promise<void> {
    // While this room ends the class itself, it closes with its own reason.
    if (this.closed || this.ending) return;
    const cls = await this.deps.liveClassRepo.get(this.liveClassId).catch(() => null);
    if (this.closed || this.ending || !cls) return;
    if (cls.deletedAt || cls.status === 'ended' || cls.status === 'cancelled') {
      this.status = cls.status;
      await this.close(cls.status === 'cancelled' || cls.deletedAt ? 'The class was cancelled' : 'The class has ended');
    } else if (cls.status !== this.status) {
      this.status = cls.status;
      this.broadcast({ type: 'class', status: this.status });
    }
  }

  // ---------------------------------------------------------------- commands

  async handle(p: Participant, command: ClientCommand): Promise<void> {
    const host = p.role === 'host';
    const requireHost = () => {
      if (!host) throw new AccessDenied('Only the instructor can do this');
    };
    switch (command.type) {
      case 'publish': {
        const peer = p.peer;
        if (!peer) return;
        const description = await peer.publish(command.description, command.sources);
        p.connection?.send({ type: 'publish-answer', description });
        return;
      }
      case 'sources':
        p.peer?.setSources(command.sources);
        this.broadcastParticipants();
        return;
      case 'subscriber-answer':
        await p.peer?.acceptSubscriberAnswer(command.description);
        return;
      case 'resubscribe':
        p.peer?.renegotiate({ iceRestart: command.iceRestart === true });
        return;
      case 'chat': {
        const text = command.text.trim().slice(0, MAX_CHAT_LENGTH);
        if (!text) return;
        const now = Date.now();
        p.chatTimes = p.chatTimes.filter((t) => now - t < CHAT_WINDOW_MS);
        if (p.chatTimes.length >= CHAT_MAX_IN_WINDOW) throw new DomainError('bad_request', 'You are sending messages too fast; wait a few seconds');
        p.chatTimes.push(now);
        const message: ChatMessage = { id: `${Date.now().toString(36)}-${(++messageCounter).toString(36)}`, at: isoNow(this.deps.clock), authorId: p.id, author: p.name, text };
        this.chat.push(message);
        this.record({ type: 'chat', at: message.at, message });
        this.broadcast({ type: 'chat', message });
        this.emit('chat', message);
        return;
      }
      case 'raise-hand':
        p.handRaised = command.raised;
        this.broadcastParticipants();
        return;
      case 'start-class':
        requireHost();
        await this.startClass(p.principal);
        return;
      case 'end-class':
        requireHost();
        await this.endClass(p.principal);
        return;
      case 'record':
        requireHost();
        if (command.action === 'start') await this.startRecording(p.principal);
        else await this.stopRecording(p.principal);
        return;
      case 'allow-speak': {
        requireHost();
        const target = this.mustParticipant(command.participantId);
        if (target.role === 'host') return;
        target.canSpeak = command.allowed;
        if (command.allowed) {
          target.handRaised = false;
          target.audioMuted = false;
        }
        this.setAudioForwarding(target, command.allowed && !target.audioMuted);
        target.connection?.send({ type: 'permissions', canSpeak: target.canSpeak, audioMuted: target.audioMuted });
        this.broadcastParticipants();
        return;
      }
      case 'mute': {
        requireHost();
        const target = this.mustParticipant(command.participantId);
        target.audioMuted = true;
        this.setAudioForwarding(target, false);
        target.connection?.send({ type: 'permissions', canSpeak: target.role === 'host' || target.canSpeak, audioMuted: true });
        this.broadcastParticipants();
        return;
      }
      case 'set-muted': {
        if (!command.muted && !host && !p.canSpeak) throw new AccessDenied('The instructor has not let you speak');
        p.audioMuted = command.muted;
        this.setAudioForwarding(p, !command.muted);
        p.connection?.send({ type: 'permissions', canSpeak: host || p.canSpeak, audioMuted: p.audioMuted });
        this.broadcastParticipants();
        return;
      }
      case 'remove': {
        requireHost();
        const target = this.mustParticipant(command.participantId);
        if (target.id === p.id) throw new Conflict('You cannot remove yourself; end the class instead');
        this.removed.add(target.id);
        const connection = target.connection;
        if (connection) {
          connection.send({ type: 'removed', message: 'The instructor removed you from this class' });
          this.leave(target, connection);
          connection.close(CLOSE_CODES.removed, 'removed by the instructor');
        }
        this.participants.delete(target.id);
        this.broadcastParticipants();
        this.log.info({ participantId: target.id, by: p.id }, 'participant removed');
        return;
      }
    }
  }

  private mustParticipant(id: string): Participant {
    const p = this.participants.get(id);
    if (!p) throw new NotFound('Participant', id);
    return p;
  }

  // ---------------------------------------------------------------- closing

  /** Tells everyone why, closes every connection and the SFU room. Idempotent. */
  async close(reason = 'The room closed', code: number = CLOSE_CODES.ended): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tickTimer);
    clearInterval(this.watchTimer);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const now = isoNow(this.deps.clock);
    for (const p of this.participants.values()) {
      const c = p.connection;
      if (!c) continue;
      p.connection = null;
      this.record({ type: 'leave', at: now, userId: p.id });
      c.send({ type: 'ended', reason });
      c.close(code, reason.slice(0, 100));
    }
    await this.sfuRoom.close();
    await this.journalWrites;
    this.log.info({ reason }, 'room closed');
    this.emit('closed');
    this.removeAllListeners();
    this.onClosed();
  }
}

/** A participant's handle on the room: what the signaling route calls. */
export class RoomMember {
  constructor(
    readonly room: LiveRoom,
    private readonly participant: Participant,
    private readonly connection: ParticipantConnection,
  ) {}

  get id(): string {
    return this.participant.id;
  }

  async handle(command: ClientCommand): Promise<void> {
    if (this.participant.connection !== this.connection) return;
    try {
      await this.room.handle(this.participant, command);
    } catch (err) {
      const code = err instanceof DomainError ? err.code : 'internal';
      const message = err instanceof DomainError ? err.message : 'Something went wrong on our side; the error has been logged';
      if (!(err instanceof DomainError)) throw err;
      this.connection.send({ type: 'error', code, message });
    }
  }

  leave(): void {
    this.room.leave(this.participant, this.connection);
  }
}

// ------------------------------------------------------------------ the service

export interface LiveRoomService {
  /** Authorises a principal for a class's room (creating the room), or throws RoomRefusal. */
  admit(principal: Principal, liveClassId: string): Promise<Admission>;
  get(liveClassId: string): LiveRoom | undefined;
  attendance(viewer: Principal, liveClassId: string): Promise<{ liveClass: { id: string; title: string; startedAt: string | null; endedAt: string | null; status: LiveClassStatus }; items: AttendanceRow[] }>;
  /** After a restart: rooms for classes still live, each waiting for its instructor's return. */
  resumeLiveClasses(): Promise<number>;
  setRecorder(recorder: RoomRecorderPort): void;
  /** Rooms open in this process and participants connected to them, for metrics. */
  stats(): { rooms: number; participants: number };
  close(): Promise<void>;
}

export function createLiveRoomService(input: LiveRoomServiceDeps): LiveRoomService {
  const deps: RoomDeps = { ...input };
  const { logger, clock } = deps;
  const rooms = new Map<string, LiveRoom>();
  const opening = new Map<string, Promise<LiveRoom>>();
  const serviceStartedAt = clock.now().getTime();
  let closed = false;

  const journalFileOf = (liveClassId: string) => path.join(deps.journalDir, liveClassId, 'journal.jsonl');

  const readJournal = (liveClassId: string) => readJsonLines<RoomJournalEntry>(journalFileOf(liveClassId));

  async function openRoom(cls: LiveClassRecord): Promise<LiveRoom> {
    const existing = rooms.get(cls.id);
    if (existing && !existing.closed) return existing;
    const pending = opening.get(cls.id);
    if (pending) return pending;
    const p = (async () => {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(cls.id)) throw new NotFound('Live class', cls.id);
      await mkdir(path.dirname(journalFileOf(cls.id)), { recursive: true });
      const restored = await readJournal(cls.id);
      const room = new LiveRoom(cls.id, cls, deps, journalFileOf(cls.id), restored, () => {
        if (rooms.get(cls.id) === room) rooms.delete(cls.id);
      });
      rooms.set(cls.id, room);
      // A recording started before anyone was in the room is captured from now on; one left by an earlier
      // process is not: recovery makes what it captured playable, and the class records anew.
      const active = await deps.recordingsRepo.activeForClass(cls.id);
      const current = active[0];
      if (current && deps.recorderStart && Date.parse(current.startedAt) >= serviceStartedAt) room.recordingStarted({ id: current.id, startedAt: current.startedAt });
      return room;
    })();
    opening.set(cls.id, p);
    try {
      return await p;
    } finally {
      opening.delete(cls.id);
    }
  }

  // Recordings started anywhere (the room, the API, auto-record) reach the room that can capture them.
  const unsubscribe = deps.feed.subscribe((change) => {
    if (change.kind !== 'recording') return;
    const room = rooms.get(change.liveClassId);
    if (!room || room.closed) return;
    if (change.status === 'recording') {
      void deps.recordingsRepo.get(change.recordingId).then((rec) => {
        if (rec && rec.status === 'recording') room.recordingStarted({ id: rec.id, startedAt: rec.startedAt });
      });
    } else {
      room.recordingStopped(change.recordingId);
    }
  });

  return {
    async admit(principal, liveClassId) {
      if (closed) throw new RoomRefusal('closing', CLOSE_CODES.serverClosing, 'Aula is restarting; this page reconnects by itself');
      const cls = await deps.liveClassRepo.get(liveClassId);
      if (!cls || cls.deletedAt) throw new RoomRefusal('not_found', CLOSE_CODES.notFound, 'This live class does not exist');
      if (cls.provider !== 'native') {
        throw new RoomRefusal('not_native', CLOSE_CODES.notFound, `This class is held on ${cls.provider}, not in Aula's own room`);
      }
      let role: RoomRole;
      const ties = await deps.access.tiesOf(principal);
      if (principal.role === 'admin' || (principal.role === 'instructor' && ties.instructedBatchIds.has(cls.batchId))) role = 'host';
      else if (principal.role === 'student' && ties.enrolledBatchIds.has(cls.batchId)) role = 'student';
      else {
        throw new RoomRefusal(
          'forbidden',
          CLOSE_CODES.forbidden,
          principal.role === 'student' ? 'You are not enrolled in the batch of this class, so you cannot join it' : 'Only the instructors of this batch can host this class',
        );
      }
      if (cls.status === 'ended' || cls.status === 'cancelled') {
        throw new RoomRefusal('ended', CLOSE_CODES.classOver, cls.status === 'ended' ? 'This class has ended; its recording appears on the lesson page' : 'This class was cancelled');
      }
      if (role === 'student' && cls.status !== 'live') {
        throw new RoomRefusal('not_started', CLOSE_CODES.notStarted, 'The class has not started yet; this page joins as soon as the instructor starts it');
      }
      const room = await openRoom(cls);
      return { room, role, principal };
    },

    get: (liveClassId) => rooms.get(liveClassId),
    stats() {
      let participants = 0;
      for (const room of rooms.values()) participants += room.connectedCount;
      return { rooms: rooms.size, participants };
    },

    async attendance(viewer, liveClassId) {
      const cls = await deps.liveClassRepo.get(liveClassId);
      if (!cls || cls.deletedAt) throw new NotFound('Live class', liveClassId);
      await deps.access.assertCanManage(viewer, cls.batchId);
      const room = rooms.get(liveClassId);
      const [enrolled, watch] = await Promise.all([deps.members.listMembers('enrollments', cls.batchId), deps.watchOfClass?.(liveClassId) ?? new Map<string, ClassWatch>()]);
      const enrolledIds = new Set(enrolled.map((m) => m.id));
      const entries = cls.provider === 'native' ? (room ? room.journalEntries() : await readJournal(liveClassId)) : presenceJournal(await deps.providerPresence?.(liveClassId) ?? [], enrolledIds);
      const lastSeen = entries.at(-1)?.at ?? isoNow(clock);
      const until = cls.endedAt ?? (room || cls.provider !== 'native' ? isoNow(clock) : lastSeen);
      const people = computeAttendance(entries, { from: cls.startedAt, until });
      const rows: AttendanceRow[] = [];
      const toRow = (userId: string, name: string, email: string | null, role: RoomRole, sessions: Array<{ joinedAt: string; leftAt: string }>): AttendanceRow => ({
        userId, name, email, role, enrolled: enrolledIds.has(userId), sessions,
        firstJoinedAt: sessions[0]?.joinedAt ?? null, lastLeftAt: sessions.at(-1)?.leftAt ?? null,
        secondsPresent: Math.round(sessions.reduce((sum, s) => sum + (Date.parse(s.leftAt) - Date.parse(s.joinedAt)), 0) / 1000),
        recordingWatch: watch.get(userId) ?? { watchedSeconds: 0, watchedPercent: 0, timeSpentSeconds: 0 },
      });
      for (const m of enrolled) rows.push(toRow(m.id, m.name, m.email, 'student', people.get(m.id)?.sessions ?? []));
      for (const [userId, p] of people) {
        if (p.role === 'student' && !enrolledIds.has(userId)) rows.push(toRow(userId, p.name, null, 'student', p.sessions));
      }
      return {
        liveClass: { id: cls.id, title: cls.title, startedAt: cls.startedAt, endedAt: cls.endedAt, status: cls.status },
        items: rows.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)),
      };
    },

    async resumeLiveClasses() {
      let resumed = 0;
      let cursor: string | undefined;
      do {
        const page = await deps.liveClassRepo.list({ batchIds: null, status: 'live' }, { limit: 100, cursor });
        for (const cls of page.items) {
          if (cls.provider !== 'native' || cls.deletedAt) continue;
          const room = await openRoom(cls);
          room.resumed = true;
          room.hostLeft();
          resumed++;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (resumed) logger.info({ rooms: resumed }, 'live classes resumed after a restart; each waits for its instructor');
      return resumed;
    },

    setRecorder(recorder) {
      deps.recorderStart = (room, recording) =>
        recorder.start(room, recording).catch((err: unknown) => logger.error({ err, recordingId: recording.id, room: room.liveClassId }, 'could not start recording the room'));
    },

    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      await Promise.allSettled([...opening.values()]);
      await Promise.allSettled([...rooms.values()].map((r) => r.close('Aula is restarting; this page reconnects by itself', CLOSE_CODES.serverClosing)));
      rooms.clear();
    },
  };
}
