import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import type { ChatMessage, ClientCommand } from '../../contracts/live-signaling';
import { AccessDenied, Conflict, DomainError } from '../../domain/errors';
import { CLOSE_CODES } from '../../domain/live-close-codes';
import type { Principal } from '../../domain/identity';
import { type Participant, type ParticipantConnection, permissionsOf } from './participant';
import type { RecordableRoomEvents } from './recorder-port';
import type { RoomJournal } from './room-journal';
import type { RoomMedia } from './room-media';
import type { RoomRoster } from './room-roster';
import type { RoomSeats } from './room-seats';

const MAX_CHAT_LENGTH = 2000;
const CHAT_WINDOW_MS = 10_000;
const CHAT_MAX_IN_WINDOW = 20;
/** How far back a resent message is looked for: every message of a busy class's last minutes. */
const RESEND_WINDOW_MESSAGES = 1000;

let messageCounter = 0;

/** What the commands ask of the room itself: the class, its recording, a participant's leaving. */
export interface CommandRoom extends EventEmitter<RecordableRoomEvents> {
  startClass(actor: Principal): Promise<void>;
  endClass(actor: Principal): Promise<void>;
  startRecording(actor: Principal): Promise<void>;
  stopRecording(actor: Principal): Promise<void>;
  pauseRecording(actor: Principal, pause: boolean): Promise<void>;
  leave(p: Participant, connection: ParticipantConnection): void;
}

export interface RoomCommandParts {
  room: CommandRoom;
  roster: RoomRoster;
  media: RoomMedia;
  seats: RoomSeats;
  journal: RoomJournal;
  clock: Clock;
  log: Logger;
}

type Command<T extends ClientCommand['type']> = Extract<ClientCommand, { type: T }>;

function requireHost(p: Participant): void {
  if (p.role !== 'host') throw new AccessDenied('Only the instructor can do this');
}

/** What participants ask of the room over signaling: media negotiation, chat, hands, and the instructor's controls. */
export class RoomCommands {
  constructor(private readonly parts: RoomCommandParts) {}

  async handle(p: Participant, command: ClientCommand): Promise<void> {
    const { room } = this.parts;
    switch (command.type) {
      case 'publish':
        return this.publish(p, command);
      case 'sources':
        p.peer?.setSources(command.sources);
        this.parts.roster.broadcastParticipants();
        return;
      case 'subscriber-answer':
        await p.peer?.acceptSubscriberAnswer(command.description);
        return;
      case 'resubscribe':
        p.peer?.renegotiate({ iceRestart: command.iceRestart === true });
        return;
      case 'chat':
        return this.chat(p, command.text, command.clientId);
      case 'raise-hand':
        return this.raiseHand(p, command.raised);
      case 'start-class':
        requireHost(p);
        return room.startClass(p.principal);
      case 'end-class':
        requireHost(p);
        return room.endClass(p.principal);
      case 'record':
        requireHost(p);
        if (command.action === 'start') return room.startRecording(p.principal);
        if (command.action === 'stop') return room.stopRecording(p.principal);
        return room.pauseRecording(p.principal, command.action === 'pause');
      case 'allow-speak':
        return this.allowSpeak(p, command);
      case 'mute':
        return this.mute(p, command);
      case 'set-muted':
        return this.setMuted(p, command);
      case 'remove':
        return this.remove(p, command);
    }
  }

  private async publish(p: Participant, command: Command<'publish'>): Promise<void> {
    const peer = p.peer;
    if (!peer) return;
    const description = await peer.publish(command.description, command.sources);
    p.connection?.send({ type: 'publish-answer', description });
  }

  private chat(p: Participant, raw: string, clientId: string | undefined): void {
    const text = raw.trim().slice(0, MAX_CHAT_LENGTH);
    if (!text) return;
    // A page resends what it could not confirm after a lost connection: the message already kept is only confirmed.
    const kept = clientId ? this.keptChat(p.id, clientId) : undefined;
    if (kept) {
      p.connection?.send({ type: 'chat', message: kept });
      return;
    }
    const now = Date.now();
    p.chatTimes = p.chatTimes.filter((t) => now - t < CHAT_WINDOW_MS);
    if (p.chatTimes.length >= CHAT_MAX_IN_WINDOW) throw new DomainError('bad_request', 'You are sending messages too fast; wait a few seconds');
    p.chatTimes.push(now);
    const message: ChatMessage = { id: `${Date.now().toString(36)}-${(++messageCounter).toString(36)}`, at: isoNow(this.parts.clock), authorId: p.id, author: p.name, text, ...(clientId ? { clientId } : {}) };
    this.parts.journal.record({ type: 'chat', at: message.at, message });
    this.parts.roster.broadcast({ type: 'chat', message });
    this.parts.room.emit('chat', message);
  }

  /** The sender's message with this id among the recent ones (a resend arrives within seconds of the first send). */
  private keptChat(authorId: string, clientId: string): ChatMessage | undefined {
    return this.parts.journal.recentChat(RESEND_WINDOW_MESSAGES).find((m) => m.clientId === clientId && m.authorId === authorId);
  }

  /** A hand keeps the time it went up (raising it again does not jump the queue); lowering it clears it. */
  private raiseHand(p: Participant, raised: boolean): void {
    if (raised && !p.handRaised) p.handRaisedAt = isoNow(this.parts.clock);
    if (!raised) p.handRaisedAt = null;
    p.handRaised = raised;
    this.parts.roster.broadcastParticipants();
  }

  private allowSpeak(p: Participant, command: Command<'allow-speak'>): void {
    requireHost(p);
    const target = this.parts.roster.mustGet(command.participantId);
    if (target.role === 'host') return;
    target.canSpeak = command.allowed;
    if (command.allowed) {
      target.handRaised = false;
      target.handRaisedAt = null;
      target.audioMuted = false;
      this.parts.seats.moveToSeat(target);
    }
    this.parts.media.applyPermissions(target);
    target.connection?.send(permissionsOf(target));
    this.parts.roster.broadcastParticipants();
  }

  private mute(p: Participant, command: Command<'mute'>): void {
    requireHost(p);
    const target = this.parts.roster.mustGet(command.participantId);
    target.audioMuted = true;
    this.parts.media.applyPermissions(target);
    target.connection?.send(permissionsOf(target));
    this.parts.roster.broadcastParticipants();
  }

  private setMuted(p: Participant, command: Command<'set-muted'>): void {
    if (!command.muted && p.role !== 'host' && !p.canSpeak) throw new AccessDenied('The instructor has not let you speak');
    p.audioMuted = command.muted;
    this.parts.media.applyPermissions(p);
    p.connection?.send(permissionsOf(p));
    this.parts.roster.broadcastParticipants();
  }

  private remove(p: Participant, command: Command<'remove'>): void {
    requireHost(p);
    const { roster } = this.parts;
    const target = roster.mustGet(command.participantId);
    if (target.id === p.id) throw new Conflict('You cannot remove yourself; end the class instead');
    const connection = target.connection;
    if (connection) {
      connection.send({ type: 'removed', message: 'The instructor removed you from this class' });
      this.parts.room.leave(target, connection);
      connection.close(CLOSE_CODES.removed, 'removed by the instructor');
    }
    roster.remove(target.id);
    roster.broadcastParticipants();
    this.parts.log.info({ participantId: target.id, by: p.id }, 'participant removed');
  }
}
