import path from 'node:path';
import { createJsonLinesJournals, readJsonLines } from '../adapters/json-lines';
import { ffmpegRunner } from '../adapters/media/ffmpeg-process';
import { createDatabaseRoomHosts } from '../adapters/room-hosts/database-room-hosts';
import { createRedisRoomHosts } from '../adapters/room-hosts/redis-room-hosts';
import { createSoleRoomHosts, type RoomHosts } from '../adapters/room-hosts/room-hosts';
import { probeMedia } from '../adapters/media/ffprobe';
import { createWeriftSfu } from '../adapters/sfu/werift-sfu';
import { createLiveRecorder, type LiveRecorder } from '../services/live/recorder';
import { createLiveRoomService } from '../services/live-room';
import type { Classes } from './classes';
import type { Foundation } from './foundation';
import type { Viewing } from './viewing';

/** The recorder of native classes: built from recordings, which reach it back through a getter. */
export function wireLiveRecorder(f: Foundation, classes: Pick<Classes, 'recordings'>): LiveRecorder {
  return createLiveRecorder({
    storage: f.storage, recordings: classes.recordings, recordingsRepo: f.recordingsRepo, ffmpeg: ffmpegRunner, probe: probeMedia, readJournal: readJsonLines,
    workDir: path.join(f.config.dataDir, 'live', 'recordings'), logger: f.logger, soleProcess: f.soleProcess, ladder: f.config.liveLadder,
    onFfmpegRun: (stage, media, wall) => f.metrics.ffmpegRun(stage, media, wall),
  });
}

/** Native live classes: an in-process SFU and the rooms on it, recorded by the live recorder. */
export function wireLiveRooms(f: Foundation, classes: Classes, viewing: Pick<Viewing, 'analytics' | 'liveAudience'>, recorder: LiveRecorder) {
  const { config, logger } = f;
  // ICE stays on loopback when Aula itself only listens there; behind NAT or in a container the announced public
  // address replaces the local ones in candidates.
  const sfu = createWeriftSfu({
    logger, hostAddresses: config.host === '127.0.0.1' ? ['127.0.0.1'] : undefined, announcedAddress: f.announcedAddress, portRange: config.ice.portRange, iceServers: config.ice.servers,
  });
  const hosts = roomHostsOf(f);
  const rooms = createLiveRoomService({
    sfu, hosts, renewEveryMs: (config.roomLeaseSeconds * 1000) / 3, iceServers: config.ice.servers, liveClasses: classes.liveClasses, liveClassRepo: f.liveClassRepo, recordings: classes.recordings, recordingsRepo: f.recordingsRepo,
    access: f.access, members: f.catalogRepo, feed: f.feed, clock: f.clock, logger, recorder,
    journal: createJsonLinesJournals(path.join(config.dataDir, 'live', 'classes'), 'journal.jsonl'), graceSeconds: config.liveGraceSeconds, qualityIntervalMs: config.liveQualitySeconds * 1000,
    watchOfClass: (id) => viewing.analytics.watchOfClass(id),
    audience: { seats: config.liveSeats, stream: (recordingId) => viewing.liveAudience.stream(recordingId) },
    providerPresence: async (id) => (await classes.providerAttendance.listForClass(id)).flatMap((r) => (r.userId ? [{ userId: r.userId, name: r.name, joinedAt: r.joinedAt, leftAt: r.leftAt }] : [])),
  });
  return { sfu, rooms, hosts };
}

/** The processes agree on which of them hosts each room in Redis, else in their shared database; over SQLite there is one. */
function roomHostsOf(f: Foundation): RoomHosts {
  const { config } = f;
  const lease = { self: config.internalUrl, leaseSeconds: config.roomLeaseSeconds };
  if (config.redisUrl) return createRedisRoomHosts({ redisUrl: config.redisUrl, ...lease });
  if (!f.soleProcess) return createDatabaseRoomHosts({ db: f.db, clock: f.clock, ...lease });
  return createSoleRoomHosts(config.internalUrl);
}
