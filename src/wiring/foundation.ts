import path from 'node:path';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../adapters/clock';
import { createCatalogRepository } from '../adapters/db/catalog-repository';
import { openDatabase } from '../adapters/db/database';
import { createIdentityRepository } from '../adapters/db/identity-repository';
import { createLiveClassRepository } from '../adapters/db/live-class-repository';
import { createRecordingRepository } from '../adapters/db/recording-repository';
import { checkMediaTools, type MediaToolsCheck } from '../adapters/media/ffmpeg-process';
import { createBullmqQueue } from '../adapters/queue/bullmq-queue';
import { createDatabaseQueue } from '../adapters/queue/database-queue';
import { createRedisChangeFeed } from '../adapters/queue/redis-change-feed';
import { inJobScratch } from '../adapters/scratch';
import { createSidecarTextWorker } from '../adapters/sidecar-text/worker';
import { createMediaStorage } from '../adapters/storage/create-storage';
import { readStoredText } from '../adapters/storage/media-storage';
import { type AppConfig, resolveAnnouncedAddress } from '../config';
import { createHttpMetrics } from '../http/metrics';
import type { JobQueue } from '../jobs/queue';
import { createInProcessChangeFeed } from '../services/change-feed';
import type { JobScratch } from '../services/providers/job-scratch';
import { createCatalogService } from '../services/catalog';
import { createIdentityService } from '../services/identity';
import { createViewerAccess } from '../services/viewer-access';

export interface AulaOptions {
  logger?: Logger;
  clock?: Clock;
}

/** What every area of Aula is built on: logging, the clock, the database and its core repositories, storage, jobs, changes. */
export async function openFoundation(config: AppConfig, options: AulaOptions) {
  // Buffered writes: one syscall per few log lines instead of one per line; flushed on close.
  const logDestination = options.logger ? null : pino.destination({ sync: false, minLength: 4096 });
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'aula' } }, logDestination!);
  const clock = options.clock ?? systemClock;
  // Resolved before anything opens, so a hostname that does not resolve stops the start cleanly.
  const announcedAddress = config.ice.announcedAddress === undefined ? undefined : await resolveAnnouncedAddress(config.ice.announcedAddress);
  const media: MediaToolsCheck = await checkMediaTools();
  if (!media.available) logger.warn({ reason: media.reason }, 'media processing is unavailable');
  const database = await openDatabase(config.database, (err) => logger.warn({ err }, 'an idle database connection broke; the pool replaces it'));
  const { db } = database;
  const catalogRepo = createCatalogRepository(db);
  const storage = createMediaStorage(config.storage);
  const scratchDir = path.join(config.dataDir, 'tmp');
  const queue: JobQueue = config.redisUrl
    ? createBullmqQueue({ redisUrl: config.redisUrl, logger, ...config.jobs })
    : createDatabaseQueue({ db, clock, logger, ...config.jobs, soleWorker: config.database.kind === 'sqlite' });
  const recordingsRepo = createRecordingRepository(db);
  const usersRepo = createIdentityRepository(db);
  const liveClassRepo = createLiveClassRepository(db);
  const feed = config.redisUrl ? createRedisChangeFeed(config.redisUrl, logger) : createInProcessChangeFeed();
  return {
    config, logger, logDestination, clock, announcedAddress, media, database, db, storage, scratchDir, queue, recordingsRepo, catalogRepo,
    usersRepo,
    identity: createIdentityService({
      users: usersRepo, clock, logger, adminKey: config.adminKey, tokenTtlSeconds: config.tokenTtlSeconds, lmsTokenTtlSeconds: config.lmsTokenTtlSeconds,
    }),
    catalog: createCatalogService({ catalog: catalogRepo, users: usersRepo, clock }),
    liveClassRepo,
    access: createViewerAccess(catalogRepo),
    readText: (key: string) => readStoredText(storage, key),
    /** Each job works in a folder of its own under its area's scratch folder. */
    jobScratch: (area: string): JobScratch => (jobId, work) => inJobScratch(path.join(scratchDir, area), jobId, work),
    feed,
    metrics: createHttpMetrics({ recordingsByState: () => recordingsRepo.countByProviderAndState(), jobsByState: () => queue.countByState() }),
    sidecarText: createSidecarTextWorker({ logger }),
    /** One process over SQLite: nothing else can be using its work files. */
    soleProcess: config.database.kind === 'sqlite',
  };
}

export type Foundation = Awaited<ReturnType<typeof openFoundation>>;
