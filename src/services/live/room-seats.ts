import type { Logger } from 'pino';
import type { AudienceStream, RecordingRef, SeatKind, ServerMessage } from '../../contracts/live-signaling';
import type { Participant } from './participant';
import type { RoomMedia } from './room-media';
import type { RoomRoster } from './room-roster';

/** How many WebRTC seats a room has, and the live HLS its other students watch. */
export interface AudienceSeating {
  seats: number;
  /** The shared stream of a recording being made (the caller has checked the participant may watch it). */
  stream(recordingId: string): AudienceStream;
}

const WATCHING = 'Watching the live stream (a few seconds behind). Raise your hand to ask to speak; the chat works as usual.';
const NOT_RECORDED =
  'The class is live but is not being recorded, so it cannot be watched here: every interactive seat is taken. Chat and raise your hand; ' +
  'when the instructor lets you speak you get a seat, or start watching as soon as the instructor records.';

/**
 * Who takes part over WebRTC and who watches. Instructors and students let to speak always get a seat (beyond the
 * count if need be); other students get one while fewer than `seats` connected participants hold one, else they watch.
 * A freed seat goes to the next student who arrives (or reconnects); watchers stay where they are unless let to
 * speak, so nobody's picture switches under them. A student who had the word taken back keeps the seat.
 */
export class RoomSeats {
  constructor(
    private readonly audience: AudienceSeating,
    private readonly roster: RoomRoster,
    private readonly media: RoomMedia,
    private readonly log: Logger,
  ) {}

  /** Seats an arriving participant or makes them watch-only; the seated get their SFU peer. */
  assign(p: Participant): SeatKind {
    if (p.role === 'host' || p.canSpeak) p.seat = 'interactive';
    else {
      const taken = this.roster.connected().filter((o) => o.id !== p.id && o.seat === 'interactive').length;
      p.seat = taken < this.audience.seats ? 'interactive' : 'watch-only';
    }
    if (p.seat === 'interactive') this.media.attachPeer(p);
    else this.media.detachPeer(p);
    return p.seat;
  }

  /** What a watcher is told of the stream: the recording's live HLS, or why there is none. */
  watchMessage(recording: RecordingRef | null): ServerMessage {
    if (!recording) return { type: 'watch-only', stream: null, message: NOT_RECORDED };
    return { type: 'watch-only', stream: this.audience.stream(recording.id), message: WATCHING };
  }

  /** The recording started or stopped: every watcher hears what to watch now. */
  tellWatchers(recording: RecordingRef | null): void {
    const watchers = this.roster.connected().filter((p) => p.seat === 'watch-only');
    if (watchers.length === 0) return;
    const message = this.watchMessage(recording);
    for (const p of watchers) p.connection?.send(message);
  }

  /** A watcher let to speak moves to a seat, even when the seats are full: the page switches to WebRTC. */
  moveToSeat(p: Participant): void {
    if (p.seat === 'interactive' || !p.connection) return;
    p.seat = 'interactive';
    p.connection.send({ type: 'seated', message: 'The instructor lets you speak: you are joining the class with sound and picture.' });
    this.media.attachPeer(p);
    this.log.info({ participantId: p.id }, 'watcher moved to a seat');
  }
}
