import type { ClientCommand } from '../../contracts/live-signaling';
import { DomainError } from '../../domain/errors';
import type { Participant, ParticipantConnection } from './participant';
import type { LiveRoom } from './room';

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
      if (!(err instanceof DomainError)) throw err;
      this.connection.send({ type: 'error', code: err.code, message: err.message });
    }
  }

  leave(): void {
    this.room.leave(this.participant, this.connection);
  }
}
