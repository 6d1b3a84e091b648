import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { IceServer, Sfu } from '../../adapters/sfu/sfu';
import type { ChatMessage, ClientCommand, ParticipantView, LiveClassStatus as SignaledClassStatus, RecordingRef } from '../../contracts/live-signaling';
import type { RoomJournalEntry } from '../../domain/attendance';
import { Conflict } from '../../domain/errors';
import { CLOSE_CODES } from '../../domain/live-close-codes';
import type { Principal } from '../../domain/identity';
import type { LiveClassStatus } from '../../domain/recording-state';
import type { LiveClassService } from '../live-classes';
import type { RecordingService } from '../recordings';
import { HostGrace } from './host-presence';
import { newParticipant, type Participant, type ParticipantConnection, participantIdOf, participantView } from './participant';
import type { RecordableRoom, RecordableRoomEvents, RoomTrack } from './recorder-port';
import { RoomCommands } from './room-commands';
import { RoomJournal, type RoomJournalStore } from './room-journal';
import { RoomMedia } from './room-media';
import { RoomMember } from './room-member';
import { RoomRefusal } from './room-refusal';
import { RoomRoster } from './room-roster';
import { type AudienceSeating, RoomSeats } from './room-seats';
import { ConnectionSampler } from './connection-sampler';

// The signaling contract spells the class statuses out itself (it imports nothing); the two lists must stay one.
const statusesAgree: [LiveClassStatus, SignaledClassStatus] extends [SignaledClassStatus, LiveClassStatus] ? true : never = true;
void statusesAgree;

/** What one room uses; `recorderStart` is read when each recording starts. */
export interface LiveRoomDeps {
  sfu: Sfu;
  /** Handed to every participant's browser so it can reach the SFU from behind NAT. */
  iceServers: readonly IceServer[];
  liveClasses: Pick<LiveClassService, 'start' | 'end'>;
  liveClassRepo: Pick<LiveClassRepository, 'get'>;
  recordings: Pick<RecordingService, 'start' | 'stop' | 'setPaused'>;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass'>;
  journal: RoomJournalStore;
  clock: Clock;
  logger: Logger;
  /** How long a live class waits for its instructor to come back before it ends. */
  graceSeconds: number;
  /** How often an open room checks that its class is still live (ended through the API, deleted). */
  watchIntervalMs?: number | undefined;
  /** How often each participant's connection quality is sampled into the journal (attendance shows it). */
  qualityIntervalMs?: number | undefined;
  recorderStart?: ((room: RecordableRoom, recording: RecordingRef) => Promise<void>) | undefined;
  /** Interactive seats, and the live HLS the students beyond them watch. */
  audience: AudienceSeating;
}

export interface Admission {
  room: LiveRoom;
  role: Participant['role'];
  principal: Principal;
}

const MAX_CHAT_IN_WELCOME = 200;

/** A recording as the room and its pages know it. */
export function recordingRef(rec: { id: string; startedAt: string; pausedAt: string | null }): RecordingRef {
  return { id: rec.id, startedAt: rec.startedAt, paused: rec.pausedAt !== null };
}
const TICK_MS = 30_000;

/** One native live class's room: participants, media routing, chat, attendance, the instructor's grace period. */
export class LiveRoom extends EventEmitter<RecordableRoomEvents> implements RecordableRoom {
  closed = false;
  status: LiveClassStatus;
  title: string;
  autoRecord: boolean;
  lessonId: string | null;
  recording: RecordingRef | null = null;
  /** Reopened after a restart: an auto-recorded class records again once its instructor is back. */
  resumed = false;
  private readonly roster = new RoomRoster();
  private readonly journal: RoomJournal;
  private readonly media: RoomMedia;
  private readonly seats: RoomSeats;
  private readonly grace: HostGrace;
  private readonly commands: RoomCommands;
  private readonly tickTimer: NodeJS.Timeout;
  private readonly watchTimer: NodeJS.Timeout;
  private readonly qualityTimer: NodeJS.Timeout;
  private readonly sampler = new ConnectionSampler();
  private readonly log: Logger;
  private ending: Promise<void> | null = null;

  constructor(
    readonly liveClassId: string,
    cls: LiveClassRecord,
    private readonly deps: LiveRoomDeps,
    restored: RoomJournalEntry[],
    private readonly onClosed: () => void,
  ) {
    super();
    this.status = cls.status;
    this.title = cls.title;
    this.autoRecord = cls.autoRecord;
    this.lessonId = cls.lessonId;
    this.log = deps.logger.child({ liveClassId, room: liveClassId });
    this.media = new RoomMedia(deps.sfu.createRoom(liveClassId), this.roster, this, this.log, () => this.closed);
    this.seats = new RoomSeats(deps.audience, this.roster, this.media, this.log);
    this.journal = new RoomJournal(liveClassId, deps.journal, this.log, restored);
    this.grace = new HostGrace(deps.graceSeconds, deps.clock, this.log, (message) => this.roster.broadcast(message));
    this.commands = new RoomCommands({ room: this, roster: this.roster, media: this.media, seats: this.seats, journal: this.journal, clock: deps.clock, log: this.log });
    this.tickTimer = setInterval(() => {
      if (this.roster.connected().length > 0) this.journal.record({ type: 'tick', at: isoNow(deps.clock) });
    }, TICK_MS);
    this.tickTimer.unref();
    this.watchTimer = setInterval(() => void this.checkClass(), deps.watchIntervalMs ?? 5_000);
    this.watchTimer.unref();
    this.qualityTimer = setInterval(() => void this.sampleQuality(), this.qualityIntervalMs);
    this.qualityTimer.unref();
  }

  private get qualityIntervalMs(): number {
    return this.deps.qualityIntervalMs ?? 10_000;
  }

  /** Each connected participant's connection since the last sample, from the SFU's stats, into the journal. */
  private async sampleQuality(): Promise<void> {
    const samples = await this.sampler.sample(this.roster.connected(), this.deps.clock.now().getTime(), this.qualityIntervalMs / 1000).catch((err: unknown) => {
      this.log.warn({ err }, 'could not read connection stats');
      return [];
    });
    for (const sample of samples) this.journal.record(sample);
  }

  // ---------------------------------------------------------------- state views

  get connectedCount(): number {
    return this.roster.connected().length;
  }

  participantViews(): ParticipantView[] {
    return this.roster.views();
  }

  chatLog(): ChatMessage[] {
    return this.journal.chatLog();
  }

  journalEntries(): RoomJournalEntry[] {
    return this.journal.all();
  }

  liveTracks(): RoomTrack[] {
    return this.media.liveTracks();
  }

  // ---------------------------------------------------------------- joining and leaving

  join(admission: Admission, connection: ParticipantConnection): RoomMember {
    if (this.closed) throw new RoomRefusal('ended', CLOSE_CODES.classOver, 'This class has ended');
    const id = participantIdOf(admission.principal);
    if (this.roster.wasRemoved(id)) throw new RoomRefusal('removed', CLOSE_CODES.forbidden, 'The instructor removed you from this class');
    const now = isoNow(this.deps.clock);
    let p = this.roster.get(id);
    if (p?.connection) {
      const old = p.connection;
      p.connection = null;
      old.close(CLOSE_CODES.replaced, 'You joined from another window');
      this.journal.record({ type: 'leave', at: now, userId: id });
    }
    if (!p) {
      p = newParticipant(id, admission.principal, admission.role);
      this.roster.add(p);
    }
    p.role = admission.role;
    p.principal = admission.principal;
    p.connection = connection;
    p.joinedAt = now;
    this.journal.record({ type: 'join', at: now, userId: id, name: p.name, role: p.role });
    const seat = this.seats.assign(p);
    this.log.info({ participantId: id, role: p.role, seat }, 'participant joined');
    this.welcome(p, connection);
    if (seat === 'watch-only') connection.send(this.seats.watchMessage(this.recording));
    this.roster.broadcastParticipants();
    if (p.role === 'host') {
      this.grace.hostArrived();
      this.recordAgainAfterRestart();
    }
    return new RoomMember(this, p, connection);
  }

  private welcome(p: Participant, connection: ParticipantConnection): void {
    connection.send({
      type: 'welcome',
      you: participantView(p),
      liveClass: { id: this.liveClassId, title: this.title, status: this.status, autoRecord: this.autoRecord, lessonId: this.lessonId },
      participants: this.roster.views(),
      chat: this.journal.recentChat(MAX_CHAT_IN_WELCOME),
      recording: this.recording,
      hostAwayUntil: this.grace.awayUntil,
      iceServers: this.deps.iceServers.map((server) => ({ ...server })),
    });
  }

  leave(p: Participant, connection: ParticipantConnection): void {
    if (p.connection !== connection) return;
    p.connection = null;
    p.joinedAt = null;
    this.media.detachPeer(p);
    this.journal.record({ type: 'leave', at: isoNow(this.deps.clock), userId: p.id });
    this.log.info({ participantId: p.id, role: p.role }, 'participant left');
    if (this.closed) return;
    this.roster.broadcastParticipants();
    if (p.role === 'host' && !this.roster.hasHost()) this.hostLeft();
  }

  /** One command of a participant; the member checks it comes from their current connection. */
  handle(p: Participant, command: ClientCommand): Promise<void> {
    return this.commands.handle(p, command);
  }

  // ---------------------------------------------------------------- the instructor's presence

  /** Without an instructor a live class waits for the grace period, then ends (and its recording is finalised). */
  hostLeft(): void {
    if (this.status !== 'live' || this.grace.waiting || this.closed) return;
    this.grace.start(() => {
      if (this.roster.hasHost() || this.closed) return;
      this.log.info('instructor did not come back; ending the class');
      void this.endClass('system', 'The instructor did not come back; the class has ended').catch((err: unknown) => this.log.error({ err }, 'could not end the class after the grace period'));
    });
  }

  // ---------------------------------------------------------------- class and recording

  async startClass(actor: Principal): Promise<void> {
    if (this.status === 'live') return;
    const { liveClass, recording } = await this.deps.liveClasses.start(actor, this.liveClassId);
    this.status = liveClass.status;
    this.roster.broadcast({ type: 'class', status: this.status });
    if (recording) this.recordingStarted(recordingRef(recording));
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
        this.recordingStarted(recordingRef(rec));
      })
      .catch((err: unknown) => {
        // The interrupted recording may still be being recovered; it stops being active shortly.
        if (attempt < 15) setTimeout(() => this.recordAgainAfterRestart(attempt + 1), 2_000).unref();
        else this.log.warn({ err }, 'could not record the resumed class');
      });
  }

  recordingStarted(recording: RecordingRef): void {
    if (this.recording?.id === recording.id) return;
    this.recording = recording;
    this.roster.broadcast({ type: 'recording', recording });
    this.seats.tellWatchers(recording);
    void this.deps.recorderStart?.(this, recording);
  }

  recordingStopped(recordingId: string): void {
    if (this.recording?.id === recordingId) {
      this.recording = null;
      this.roster.broadcast({ type: 'recording', recording: null });
      this.seats.tellWatchers(null);
    }
    if (this.roster.hasHost()) this.recordAgainAfterRestart();
  }

  /** The recording paused or resumed (here or through the API): everyone is told, and its capture follows. */
  recordingPaused(recordingId: string, paused: boolean): void {
    if (this.recording?.id !== recordingId || this.recording.paused === paused) return;
    this.recording = { ...this.recording, paused };
    this.roster.broadcast({ type: 'recording', recording: this.recording });
    this.emit('recording-paused', { recordingId, paused });
  }

  async startRecording(actor: Principal): Promise<void> {
    const rec = await this.deps.recordings.start(actor, this.liveClassId, 'started in the room');
    this.recordingStarted(recordingRef(rec));
  }

  async pauseRecording(actor: Principal, pause: boolean): Promise<void> {
    const [active] = await this.deps.recordingsRepo.activeForClass(this.liveClassId);
    if (!active) throw new Conflict('Nothing is being recorded');
    const rec = await this.deps.recordings.setPaused(actor, active.id, pause, pause ? 'paused in the room' : 'resumed in the room');
    this.recordingPaused(rec.id, rec.pausedAt !== null);
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
      this.roster.broadcast({ type: 'class', status: this.status });
    }
  }

  // ---------------------------------------------------------------- closing

  /** Tells everyone why, closes every connection and the SFU room. Idempotent. */
  async close(reason = 'The room closed', code: number = CLOSE_CODES.ended): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tickTimer);
    clearInterval(this.watchTimer);
    clearInterval(this.qualityTimer);
    this.grace.cancel();
    // The last stretch of everyone still connected, before their connections close.
    await this.sampleQuality();
    const now = isoNow(this.deps.clock);
    for (const p of this.roster.all()) {
      const c = p.connection;
      if (!c) continue;
      p.connection = null;
      this.journal.record({ type: 'leave', at: now, userId: p.id });
      c.send({ type: 'ended', reason });
      c.close(code, reason.slice(0, 100));
    }
    await this.media.close();
    await this.journal.flushed();
    this.log.info({ reason }, 'room closed');
    this.emit('closed');
    this.removeAllListeners();
    this.onClosed();
  }
}
