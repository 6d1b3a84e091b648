import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
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
}

export interface LiveRoomService {
  /** Authorises a principal for a class's room (creating the room), or throws RoomRefusal. */
  admit(principal: Principal, liveClassId: string): Promise<Admission>;
  get(liveClassId: string): LiveRoom | undefined;
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
    stats: () => rooms.stats(),

    async resumeLiveClasses() {
      let resumed = 0;
      let cursor: string | undefined;
      do {
        const page = await deps.liveClassRepo.list({ batchIds: null, status: 'live' }, { limit: 100, cursor });
        for (const cls of page.items) {
          if (cls.provider !== 'native' || cls.deletedAt) continue;
          const room = await rooms.open(cls);
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
