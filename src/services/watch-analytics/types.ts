import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { WatchRepository } from '../../adapters/db/watch-repository';
import type { WatchSessionStore } from '../../adapters/watch/watch-session-store';
import type { ViewerAccess } from '../viewer-access';

export interface Heartbeat {
  sessionId: string;
  position: number;
  playing: boolean;
  event?: 'heartbeat' | 'play' | 'pause' | 'seek' | 'ended' | undefined;
}

/** One viewer's watching of a class's recordings. */
export interface ClassWatch {
  watchedSeconds: number;
  watchedPercent: number;
  timeSpentSeconds: number;
}

/** Watching through a share link is recorded under this prefix and the link's id: a guest, not a user. */
export const GUEST_PREFIX = 'share:';

export interface WatchAnalyticsDeps {
  watch: WatchRepository;
  recordings: Pick<RecordingRepository, 'getForAccess' | 'list'>;
  catalog: Pick<CatalogRepository, 'listMembers'>;
  access: ViewerAccess;
  clock: Clock;
  logger: Logger;
  /** Where sessions live between heartbeats (in memory for one process; Redis when several serve heartbeats). */
  sessions: WatchSessionStore;
  flushMs?: number;
  /** Told after each heartbeat of a signed-in viewer is counted (LTI grade passback listens). */
  onWatched?: (userId: string, recordingId: string) => void;
}
