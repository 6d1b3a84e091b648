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
