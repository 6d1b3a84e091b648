import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { RoomHosts } from '../../adapters/room-hosts/room-hosts';
import type { Principal } from '../../domain/identity';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { AudienceStream } from '../../contracts/live-signaling';
import type { ViewerAccess } from '../viewer-access';
import { createAdmission } from './admission';
import { createAudienceStreams } from './audience';
import { type AttendanceDeps, type AttendanceReport, createAttendanceReport } from './attendance';
import type { RoomRecorderPort } from './recorder-port';
import type { Admission, LiveRoom, LiveRoomDeps } from './room';
import { RoomDirectory } from './room-directory';
import { RoomHostedElsewhere } from './room-elsewhere';

export interface LiveRoomServiceDeps extends Omit<LiveRoomDeps, 'recorderStart' | 'liveClassRepo' | 'recordingsRepo'> {
  /** Records a room's recordings while the class runs. */
  recorder: RoomRecorderPort;
  liveClassRepo: Pick<LiveClassRepository, 'get' | 'list'>;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass' | 'get'>;
  access: ViewerAccess;
  members: Pick<CatalogRepository, 'listMembers'>;
  providerPresence?: AttendanceDeps['providerPresence'];
  watchOfClass?: AttendanceDeps['watchOfClass'];
  feed: ChangeFeed;
  hosts: RoomHosts;
  renewEveryMs: number;
}

export interface LiveRoomService {
  /** Authorises a principal for a class's room (creating the room), or throws RoomRefusal. */
  admit(principal: Principal, liveClassId: string): Promise<Admission>;
  get(liveClassId: string): LiveRoom | undefined;
  /** This process's internal address, where the others forward the signaling of rooms hosted here. */
  readonly self: string;
  /** The internal address of another process hosting the class's room now, or null when it is open here or nowhere. */
  hostElsewhere(liveClassId: string): Promise<string | null>;
  /** The process at `host` did not answer for the class: its claim is dropped so another process can take the class. */
  evictHost(liveClassId: string, host: string): Promise<void>;
  attendance(viewer: Principal, liveClassId: string): Promise<AttendanceReport>;
  /** The live HLS of a class being recorded, the same for every viewer of it; for the class's participants only. */
  audienceStream(viewer: Principal, liveClassId: string): Promise<AudienceStream>;
  /** After a restart: rooms for classes still live, each waiting for its instructor's return. */
  resumeLiveClasses(): Promise<number>;
  /** Rooms open in this process and participants connected to them, for metrics. */
  stats(): { rooms: number; participants: number };
  close(): Promise<void>;
}

export function createLiveRoomService(input: LiveRoomServiceDeps): LiveRoomService {
  const { logger, recorder } = input;
  const deps: LiveRoomServiceDeps & Pick<LiveRoomDeps, 'recorderStart'> = {
    ...input,
    recorderStart: (room, recording) =>
      recorder.start(room, recording).catch((err: unknown) => logger.error({ err, recordingId: recording.id, room: room.liveClassId }, 'could not start recording the room')),
  };
  const rooms = new RoomDirectory(deps);
  let closed = false;

  const admit = createAdmission({ liveClassRepo: deps.liveClassRepo, access: deps.access, openRoom: (cls) => rooms.open(cls), isClosing: () => closed });
  const attendance = createAttendanceReport({
    ...deps,
    journalOf: (liveClassId) => {
      const room = rooms.get(liveClassId);
      return { roomOpen: room !== undefined, entries: () => (room ? room.journalEntries() : deps.journal.read(liveClassId)) };
    },
  });

  return {
    admit,
    attendance,
    audienceStream: createAudienceStreams(deps),
    get: (liveClassId) => rooms.get(liveClassId),
    self: deps.hosts.self,
    async hostElsewhere(liveClassId) {
      if (rooms.get(liveClassId)) return null;
      const holder = await deps.hosts.holder(liveClassId);
      return holder && holder !== deps.hosts.self ? holder : null;
    },
    async evictHost(liveClassId, host) {
      logger.warn({ liveClassId, host }, 'the Aula process hosting this class does not answer; another takes the class');
      await deps.hosts.evict(liveClassId, host);
    },
    stats: () => rooms.stats(),

    async resumeLiveClasses() {
      let resumed = 0;
      let cursor: string | undefined;
      do {
        const page = await deps.liveClassRepo.list({ batchIds: null, status: 'live' }, { limit: 100, cursor });
        for (const cls of page.items) {
          if (cls.provider !== 'native' || cls.deletedAt) continue;
          // Another process already resumed it (several processes start together) and hosts it.
          const room = await rooms.open(cls).catch((err: unknown) => {
            if (err instanceof RoomHostedElsewhere) return null;
            throw err;
          });
          if (!room) continue;
          room.resumed = true;
          room.hostLeft();
          resumed++;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      if (resumed) logger.info({ rooms: resumed }, 'live classes resumed after a restart; each waits for its instructor');
      return resumed;
    },

    async close() {
      if (closed) return;
      closed = true;
      await rooms.close();
    },
  };
}
