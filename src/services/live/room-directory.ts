import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import { NotFound } from '../../domain/errors';
import { CLOSE_CODES } from '../../domain/live-close-codes';
import type { ChangeFeed } from '../../contracts/change-feed';
import { LiveRoom, type LiveRoomDeps } from './room';

export interface RoomDirectoryDeps extends LiveRoomDeps {
  recordingsRepo: Pick<RecordingRepository, 'activeForClass' | 'get'>;
  feed: ChangeFeed;
}

/** The rooms open in this process: opened once per class, told of recordings started anywhere, closed together. */
export class RoomDirectory {
  private readonly rooms = new Map<string, LiveRoom>();
  private readonly opening = new Map<string, Promise<LiveRoom>>();
  private readonly startedAt: number;
  private readonly unsubscribe: () => void;

  /** `deps` is shared with every room, so a recorder wired later reaches rooms already open. */
  constructor(private readonly deps: RoomDirectoryDeps) {
    this.startedAt = deps.clock.now().getTime();
    // Recordings started anywhere (the room, the API, auto-record) reach the room that can capture them.
    this.unsubscribe = deps.feed.subscribe((change) => {
      if (change.kind !== 'recording') return;
      const room = this.rooms.get(change.liveClassId);
      if (!room || room.closed) return;
      if (change.status === 'recording') {
        void deps.recordingsRepo.get(change.recordingId).then((rec) => {
          if (rec && rec.status === 'recording') room.recordingStarted({ id: rec.id, startedAt: rec.startedAt });
        });
      } else {
        room.recordingStopped(change.recordingId);
      }
    });
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
    await deps.journal.prepare(cls.id);
    const restored = await deps.journal.read(cls.id);
    const room = new LiveRoom(cls.id, cls, deps, restored, () => {
      if (this.rooms.get(cls.id) === room) this.rooms.delete(cls.id);
    });
    this.rooms.set(cls.id, room);
    // A recording started before anyone was in the room is captured from now on; one left by an earlier
    // process is not: recovery makes what it captured playable, and the class records anew.
    const active = await deps.recordingsRepo.activeForClass(cls.id);
    const current = active[0];
    if (current && deps.recorderStart && Date.parse(current.startedAt) >= this.startedAt) room.recordingStarted({ id: current.id, startedAt: current.startedAt });
    return room;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await Promise.allSettled([...this.opening.values()]);
    await Promise.allSettled([...this.rooms.values()].map((r) => r.close('Aula is restarting; this page reconnects by itself', CLOSE_CODES.serverClosing)));
    this.rooms.clear();
  }
}
