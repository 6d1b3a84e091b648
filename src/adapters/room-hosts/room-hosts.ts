/** Who holds a class's room: this process, or another one at its internal address. */
export type RoomClaim = { ours: true } | { ours: false; host: string };

/**
 * Which Aula process hosts each native class's room. A claim is a lease: its holder renews it while the room is
 * open and releases it when the room closes; a holder that dies stops renewing and loses it after the lease time.
 */
export interface RoomHosts {
  /** This process's internal address, the value of its claims. */
  readonly self: string;
  /** Claims the class for this process (or keeps a claim it already holds), or names the process that holds it. */
  claim(liveClassId: string): Promise<RoomClaim>;
  /** The internal address of the process holding the class, or null when none does. */
  holder(liveClassId: string): Promise<string | null>;
  /** Renews this process's claims; returns the classes among them now held by another process. */
  renew(liveClassIds: readonly string[]): Promise<string[]>;
  /** Gives up this process's claim (a claim held by another process is left alone). */
  release(liveClassId: string): Promise<void>;
  /** Drops a claim held by `host`, a process found not to answer, so that the class can be claimed again. */
  evict(liveClassId: string, host: string): Promise<void>;
  close(): Promise<void>;
}

/** One process (SQLite): every room is hosted here. */
export function createSoleRoomHosts(self: string): RoomHosts {
  return {
    self,
    claim: async () => ({ ours: true }),
    holder: async () => null,
    renew: async () => [],
    release: async () => undefined,
    evict: async () => undefined,
    close: async () => undefined,
  };
}
