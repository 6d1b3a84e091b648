import type { ParticipantView, ServerMessage } from '../../contracts/live-signaling';
import { NotFound } from '../../domain/errors';
import { type Participant, participantView } from './participant';

/** Who is in a room (connected or not), who was removed, and how to tell them all something. */
export class RoomRoster {
  private readonly participants = new Map<string, Participant>();
  private readonly removed = new Set<string>();

  get(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  mustGet(id: string): Participant {
    const p = this.participants.get(id);
    if (!p) throw new NotFound('Participant', id);
    return p;
  }

  add(p: Participant): void {
    this.participants.set(p.id, p);
  }

  /** Takes a participant out for good: they cannot come back into this room. */
  remove(id: string): void {
    this.removed.add(id);
    this.participants.delete(id);
  }

  wasRemoved(id: string): boolean {
    return this.removed.has(id);
  }

  all(): Participant[] {
    return [...this.participants.values()];
  }

  connected(): Participant[] {
    return this.all().filter((p) => p.connection !== null);
  }

  hasHost(): boolean {
    return this.all().some((p) => p.role === 'host' && p.connection !== null);
  }

  /** Connected participants, instructors first, then by name. */
  views(): ParticipantView[] {
    return this.connected()
      .map((p) => participantView(p))
      .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'host' ? -1 : 1));
  }

  broadcast(message: ServerMessage, except?: string): void {
    for (const p of this.participants.values()) if (p.id !== except) p.connection?.send(message);
  }

  broadcastParticipants(): void {
    this.broadcast({ type: 'participants', participants: this.views() });
  }
}
