import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import { NotFound } from '../../domain/errors';
import { CLOSE_CODES } from '../../domain/live-close-codes';
import type { RoomHosts } from '../../adapters/room-hosts/room-hosts';
import type { ChangeFeed } from '../../contracts/change-feed';
import { LiveRoom, type LiveRoomDeps, recordingRef } from './room';
import { RoomHostedElsewhere } from './room-elsewhere';

export interface RoomDirectoryDeps extends LiveRoomDeps {
  recordingsRepo: Pick<RecordingRepository, 'activeForClass' | 'get'>;
  feed: ChangeFeed;
  /** Which process hosts each class's room; a room opens here only once this process holds its class. */
  hosts: RoomHosts;
  /** How often this process renews its claims (well within the lease). */
  renewEveryMs: number;
}

/**
 * The rooms open in this process: opened once per class (when this process can claim it), told of recordings
 * started anywhere, kept claimed while open, closed together.
 */
export class RoomDirectory {
  private readonly rooms = new Map<string, LiveRoom>();
  private readonly opening = new Map<string, Promise<LiveRoom>>();
  private readonly startedAt: number;
  private readonly unsubscribe: () => void;
  private readonly renewTimer: NodeJS.Timeout;

  /** `deps` is shared with every room, so a recorder wired later reaches rooms already open. */
  constructor(private readonly deps: RoomDirectoryDeps) {
    this.startedAt = deps.clock.now().getTime();
    // Recordings started anywhere (the room, the API, auto-record) reach the room that can capture them.
    this.unsubscribe = deps.feed.subscribe((change) => {
      if (change.kind !== 'recording') return;
      const room = this.rooms.get(change.liveClassId);
      if (!room || room.closed) return;
      if (change.status === 'recording' && room.recording?.id === change.recordingId) {
        room.recordingPaused(change.recordingId, change.paused);
      } else if (change.status === 'recording') {
        void deps.recordingsRepo.get(change.recordingId).then((rec) => {
          if (rec && rec.status === 'recording') room.recordingStarted(recordingRef(rec));
        });
      } else {
        room.recordingStopped(change.recordingId);
      }
    });
    this.renewTimer = setInterval(() => void this.renewClaims(), deps.renewEveryMs);
    this.renewTimer.unref();
  }

  /** A room whose class another process now holds (this one could not renew in time) closes; its pages rejoin there. */
  private async renewClaims(): Promise<void> {
    if (this.rooms.size === 0) return;
    const lost = await this.deps.hosts.renew([...this.rooms.keys()]).catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'could not renew the claims of the rooms open here');
      return [];
    });
    for (const id of lost) {
      this.deps.logger.warn({ liveClassId: id }, 'another Aula process now hosts this class; its room here closes');
      void this.rooms.get(id)?.close('This class moved to another Aula server; this page reconnects by itself', CLOSE_CODES.serverClosing);
    }
  }

  get(liveClassId: string): LiveRoom | undefined {
    return this.rooms.get(liveClassId);
  }

  stats(): { rooms: number; participants: number } {
    let participants = 0;
    for (const room of this.rooms.values()) participants += room.connectedCount;
    return { rooms: this.rooms.size, participants };
  }

  async open(cls: LiveClassRecord): Promise<LiveRoom> {
    const existing = this.rooms.get(cls.id);
    if (existing && !existing.closed) return existing;
    const pending = this.opening.get(cls.id);
    if (pending) return pending;
    const p = this.create(cls);
    this.opening.set(cls.id, p);
    try {
      return await p;
    } finally {
      this.opening.delete(cls.id);
    }
  }

  private async create(cls: LiveClassRecord): Promise<LiveRoom> {
    const { deps } = this;
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(cls.id)) throw new NotFound('Live class', cls.id);
    const claim = await deps.hosts.claim(cls.id);
    if (!claim.ours) throw new RoomHostedElsewhere(cls.id, claim.host);
    const restored = await deps.journal
      .prepare(cls.id)
      .then(() => deps.journal.read(cls.id))
      .catch(async (err: unknown) => {
        await deps.hosts.release(cls.id).catch(() => undefined);
        throw err;
      });
    const room = new LiveRoom(cls.id, cls, deps, restored, () => {
      if (this.rooms.get(cls.id) === room) this.rooms.delete(cls.id);
      void this.releaseUnlessReopened(cls.id);
    });
    this.rooms.set(cls.id, room);
    // A recording started before anyone was in the room is captured from now on; one left by an earlier
    // process is not: recovery makes what it captured playable, and the class records anew.
    const active = await deps.recordingsRepo.activeForClass(cls.id);
    const current = active[0];
    if (current && deps.recorderStart && Date.parse(current.startedAt) >= this.startedAt) room.recordingStarted(recordingRef(current));
    return room;
  }

  /** The class is free for any process once its room here is gone (unless it opened here again meanwhile). */
  private async releaseUnlessReopened(liveClassId: string): Promise<void> {
    if (this.rooms.has(liveClassId) || this.opening.has(liveClassId)) return;
    await this.deps.hosts.release(liveClassId).catch((err: unknown) => this.deps.logger.warn({ err, liveClassId }, 'could not release the claim of a closed room'));
  }

  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.renewTimer);
    await Promise.allSettled([...this.opening.values()]);
    const rooms = [...this.rooms.values()];
    await Promise.allSettled(rooms.map((r) => r.close('Aula is restarting; this page reconnects by itself', CLOSE_CODES.serverClosing)));
    this.rooms.clear();
    // Released before this process goes, so another one takes the classes at once rather than after the lease.
    await Promise.allSettled(rooms.map((r) => this.deps.hosts.release(r.liveClassId)));
  }
}
