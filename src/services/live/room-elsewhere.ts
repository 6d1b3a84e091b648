/** The class's room is open in another Aula process, at `host` (its internal address): its signaling goes there. */
export class RoomHostedElsewhere extends Error {
  constructor(
    readonly liveClassId: string,
    readonly host: string,
  ) {
    super(`The room of live class ${liveClassId} is hosted at ${host}`);
  }
}
