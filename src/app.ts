import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from './adapters/clock';
import { createCatalogRepository } from './adapters/db/catalog-repository';
import { openDatabase, pingDatabase } from './adapters/db/database';
import { createIdentityRepository } from './adapters/db/identity-repository';
import { createLiveClassRepository } from './adapters/db/live-class-repository';
import { createRecordingRepository } from './adapters/db/recording-repository';
import { createJsonLinesJournals } from './adapters/json-lines';
import { createBullmqQueue } from './adapters/queue/bullmq-queue';
import { createDatabaseQueue } from './adapters/queue/database-queue';
import { createRedisChangeFeed } from './adapters/queue/redis-change-feed';
import { createMemoryWatchSessionStore, createRedisWatchSessionStore } from './adapters/watch/watch-session-store';
import { createMediaStorage } from './adapters/storage/create-storage';
import { inJobScratch, removeOrphanedScratch } from './adapters/scratch';
import { createSidecarTextWorker } from './adapters/sidecar-text/worker';
import { checkMediaTools, ffmpegRunner, type MediaToolsCheck, runFfmpeg } from './adapters/media/ffmpeg-process';
import { type AppConfig, resolveAnnouncedAddress } from './config';
import { createHttpApp, type HttpApp } from './http/app';
import { createHttpMetrics, registerLiveRoomGauges } from './http/metrics';
import { registerCatalogRoutes } from './http/routes/catalog';
import { registerEventRoutes } from './http/routes/events';
import { registerIdentityRoutes } from './http/routes/identity';
import { registerLiveClassRoutes } from './http/routes/live-classes';
import { registerMediaRoutes } from './http/routes/media';
import { registerPlaybackRoutes } from './http/routes/playback';
import { createAuditRepository } from './adapters/db/audit-repository';
import { createWatchRepository } from './adapters/db/watch-repository';
import { deriveKey } from './adapters/crypto';
import { createAuditLog } from './services/audit';
import { createMediaCache } from './services/media-cache';
import { createPlaybackService } from './services/playback';
import { createWatchAnalytics } from './services/watch-analytics';
import { registerSystemRoutes } from './http/routes/system';
import { registerWebRoutes } from './http/routes/web';
import { registerHomeRoutes } from './http/routes/home';
import { registerSearchRoutes } from './http/routes/search';
import { createSearchRepository } from './adapters/db/search-repository';
import { createSearchService } from './services/search';
import { registerRecordingViewRoutes } from './http/routes/recording-view';
import { createRecordingViews } from './services/recording-view';
import { createHomeRepository } from './adapters/db/home-repository';
import { createRecordingParts } from './services/recording-parts';
import { createViewerHome } from './services/viewer-home';
import { createCatalogService } from './services/catalog';
import { type DemoWorkspace, seedDemoWorkspace } from './services/demo';
import { createDemoRecording } from './services/demo-media';
import { createIdentityService } from './services/identity';
import { createInProcessChangeFeed } from './services/change-feed';
import { createLiveClassService } from './services/live-classes';
import { createMediaProcessor } from './services/media-processor';
import { createRecordingService } from './services/recordings';
import { createRecordingPresenter } from './services/recording-presenter';
import { createViewerAccess } from './services/viewer-access';
import { type JobQueue, withAttemptCounting } from './jobs/queue';
import { processRecordingHandler } from './jobs/handlers/process-recording';
import { createZoomApi } from './adapters/providers/zoom-api';
import { createProviderAccountStore } from './adapters/db/provider-repository';
import { createProviderInboxRepository } from './adapters/db/provider-inbox-repository';
import { registerZoomRoutes } from './http/routes/zoom';
import { registerProviderRoutes } from './http/routes/providers';
import { createProviderAccounts } from './services/providers/accounts';
import { createInboxReader, createWebhookIntake } from './services/providers/webhook-intake';
import { createRemoteImport } from './services/providers/remote-import';
import { createZoomModule } from './services/providers/zoom/module';
import { createLiveKitModule, liveKitCapture } from './services/providers/livekit/module';
import { createLiveKitApi } from './adapters/providers/livekit-api';
import { createCloudflareApi } from './adapters/providers/cloudflare-api';
import { createCloudflareModule } from './services/providers/cloudflare/module';
import { cloudflareCapture } from './services/providers/cloudflare/rtk-jobs';
import { registerCloudflareRoutes } from './http/routes/cloudflare';
import { createProviderAttendanceRepository } from './adapters/db/provider-attendance-repository';
import { LocalMediaStorage } from './adapters/storage/local-storage';
import { readStoredText } from './adapters/storage/media-storage';
import { probeMedia } from './adapters/media/ffprobe';
import type { ProviderModule, RemoteProvider } from './services/providers/provider-module';
import type { JobScratch } from './services/providers/job-scratch';
import { createWeriftSfu } from './adapters/sfu/werift-sfu';
import { registerLiveRoomRoutes } from './http/routes/live-room';
import { createLiveRoomService } from './services/live-room';
import { createLiveRecorder } from './services/live/recorder';
import { readJsonLines } from './adapters/json-lines';
import { wireLti } from './lti-wiring';
import { createNotifications } from './app-notifications';
import { registerNotificationRoutes } from './http/routes/notifications';
import { registerShareLinkRoutes } from './http/routes/share-links';
import { createShareLinkService } from './services/notifications/share-links';
import { createQuickCut } from './services/recording-trim/quick-cut';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AULA_VERSION = '0.1.0';

export interface Aula {
  config: AppConfig;
  /** FFmpeg as found at start; without it nothing can be processed, and Aula says so. */
  media: MediaToolsCheck;
  http: HttpApp;
  logger: Logger;
  /** Set when this start created the demo workspace. */
  demo: DemoWorkspace | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface AulaOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Wiring: adapters from configuration, each service handed the few it needs. */
export async function createAula(config: AppConfig, options: AulaOptions = {}): Promise<Aula> {
  // Buffered writes: one syscall per few log lines instead of one per line; flushed on close.
  const logDestination = options.logger ? null : pino.destination({ sync: false, minLength: 4096 });
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'aula' } }, logDestination!);
  const clock = options.clock ?? systemClock;
  // Resolved before anything opens, so a hostname that does not resolve stops the start cleanly.
  const announcedAddress = config.ice.announcedAddress === undefined ? undefined : await resolveAnnouncedAddress(config.ice.announcedAddress);
  const media = await checkMediaTools();
  if (!media.available) logger.warn({ reason: media.reason }, 'media processing is unavailable');
  const database = await openDatabase(config.database);
  const { db } = database;

  const usersRepo = createIdentityRepository(db);
  const catalogRepo = createCatalogRepository(db);

  const identity = createIdentityService({
    users: usersRepo,
    clock,
    logger,
    adminKey: config.adminKey,
    tokenTtlSeconds: config.tokenTtlSeconds,
    lmsTokenTtlSeconds: config.lmsTokenTtlSeconds,
  });
  const catalog = createCatalogService({ catalog: catalogRepo, users: usersRepo, clock });
  const access = createViewerAccess(catalogRepo);
  const storage = createMediaStorage(config.storage);
  const readText = (key: string) => readStoredText(storage, key);
  const scratchDir = path.join(config.dataDir, 'tmp');
  /** A provider's jobs each work in a folder of their own under the provider's scratch folder. */
  const jobScratch = (provider: string): JobScratch => (jobId, work) => inJobScratch(path.join(scratchDir, provider), jobId, work);
  const queue: JobQueue = config.redisUrl
    ? createBullmqQueue({ redisUrl: config.redisUrl, logger, ...config.jobs })
    : createDatabaseQueue({ db, clock, logger, ...config.jobs, soleWorker: config.database.kind === 'sqlite' });
  const feed = config.redisUrl ? createRedisChangeFeed(config.redisUrl, logger) : createInProcessChangeFeed();
  const recordingsRepo = createRecordingRepository(db);
  const liveClassRepo = createLiveClassRepository(db);
  const metrics = createHttpMetrics({ recordingsByState: () => recordingsRepo.countByProviderAndState(), jobsByState: () => queue.countByState() });
  const sidecarText = createSidecarTextWorker({ logger });
  const recordings = createRecordingService({
    recordings: recordingsRepo, liveClasses: liveClassRepo, access, storage, readStoredText: readText, queue, feed, clock, logger, retentionDays: config.retentionDays, sidecarText,
    onPlayable: (provider, seconds) => metrics.recordingPlayable(provider, seconds),
    captures: { livekit: liveKitCapture(queue), cloudflare: cloudflareCapture(queue) },
    purgeHosted: (recordingId) => cloudflare.purgeHosted(recordingId),
  });
  // One provider path: accounts, inbox and import rules shared by every provider module.
  const providerSecretKey = deriveKey(config.secret, 'provider-secrets');
  const providerAccounts = createProviderAccounts({ store: createProviderAccountStore(db), clock, logger, secretKey: providerSecretKey, publicUrl: config.publicUrl });
  const inbox = createProviderInboxRepository(db);
  const readInbox = createInboxReader(inbox, providerSecretKey);
  const remoteImport = createRemoteImport({ recordings, recordingsRepo, log: logger });
  const zoom = createZoomModule({
    api: createZoomApi(config.zoom), accounts: providerAccounts, readInbox, remoteImport, liveClassesRepo: liveClassRepo, liveClasses: () => liveClasses,
    recordings, recordingsRepo, queue, clock, logger, scratch: jobScratch('zoom'),
  });
  const s3 = config.storage.kind === 's3' ? config.storage.s3 : null;
  const providerAttendance = createProviderAttendanceRepository(db);
  const livekit = createLiveKitModule({
    api: createLiveKitApi(), accounts: providerAccounts, liveClasses: () => liveClasses, liveClassesRepo: liveClassRepo, recordings, recordingsRepo, queue,
    attendance: providerAttendance, storage, storageKind: storage.kind, probe: (file) => probeMedia(file, { timeoutMs: 20_000 }),
    s3: s3 && { kind: 's3', bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: s3.forcePathStyle },
    openDirectory: (dir) => new LocalMediaStorage(dir), readStoredText, scratch: jobScratch('livekit'), startTimeoutMs: config.livekit.startTimeoutSeconds * 1000, clock, logger,
  });
  const cloudflare = createCloudflareModule({
    api: createCloudflareApi(config.cloudflare), accounts: providerAccounts, readInbox, remoteImport, access, liveClasses: () => liveClasses, liveClassesRepo: liveClassRepo,
    recordings, recordingsRepo, queue, pollSeconds: config.cloudflare.pollSeconds, maxDownloadBytes: config.maxUploadBytes, scratch: jobScratch('cloudflare'), runFfmpeg, clock, logger,
  });
  const providerModules: ProviderModule[] = [zoom, livekit, cloudflare];
  const modulesByName = new Map<RemoteProvider, ProviderModule>(providerModules.map((m) => [m.name, m]));
  const intake = createWebhookIntake({ modules: modulesByName, accounts: providerAccounts, inbox, queue, clock, logger, secretKey: providerSecretKey,
    onRefused: (provider, reason) => metrics.webhookDeliveryRefused(provider, reason),
  });
  const liveClasses = createLiveClassService({
    liveClasses: liveClassRepo, catalog: catalogRepo, access, recordings, recordingsRepo, clock, logger, providers: Object.fromEntries(providerModules.map((m) => [m.name, m.hooks])), feed,
  });
  const audit = createAuditLog({ audit: createAuditRepository(db), clock, logger });
  const notifications = createNotifications({ config, db, storage, users: usersRepo, feed, clock, logger });
  const mediaCache = config.mediaCacheBytes > 0 ? createMediaCache({ storage, maxBytes: config.mediaCacheBytes, maxObjectBytes: 16 * 1024 * 1024 }) : undefined;
  const playback = createPlaybackService({
    recordings: recordingsRepo, access, storage, audit, feed, clock, signingKey: deriveKey(config.secret, 'playback'), publicUrl: config.publicUrl, ttlSeconds: config.playbackTtlSeconds, mediaCache, users: usersRepo,
    shareLinks: notifications.shareLinks,
    hosted: cloudflare.hostedPlayback,
    quickCut: createQuickCut({ readText }),
  });
  const lti = wireLti({ config, db, users: usersRepo, catalog: catalogRepo, recordings: recordingsRepo, liveClasses: liveClassRepo, identity, queue, clock, logger });
  const analytics = createWatchAnalytics({
    watch: createWatchRepository(db), recordings: recordingsRepo, catalog: catalogRepo, access, clock, logger,
    sessions: config.redisUrl ? createRedisWatchSessionStore(config.redisUrl) : createMemoryWatchSessionStore(() => clock.now().getTime()),
    onWatched: lti.onWatched,
  });
  const homeRepo = createHomeRepository(db);
  const recordingParts = createRecordingParts(homeRepo);
  const presentRecordings = createRecordingPresenter({ playback, analytics, parts: recordingParts });
  const viewerHome = createViewerHome({ home: homeRepo, access, playback, analytics, parts: recordingParts, clock });
  const shareLinks = createShareLinkService({ shareLinks: notifications.shareLinks, recordings: recordingsRepo, access, playback, analytics, audit, clock, publicUrl: config.publicUrl });
  const soleProcess = config.database.kind === 'sqlite';
  for (const dir of ['jobs', 'uploads', 'zoom', 'livekit', 'cloudflare']) {
    const removed = await removeOrphanedScratch(path.join(scratchDir, dir), { soleProcess });
    if (removed) logger.info({ dir, removed }, 'removed work files left by an earlier run');
  }
  const processor = createMediaProcessor({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir: path.join(scratchDir, 'jobs'), logger, onFfmpegRun: (stage, media, wall) => metrics.ffmpegRun(stage, media, wall), sidecarText });
  queue.start(withAttemptCounting({
    'process-recording': processRecordingHandler({ recordings, repo: recordingsRepo, processor, logger }),
    ...Object.assign({}, ...providerModules.map((m) => m.jobs)),
    'handle-provider-event': intake.handleEventJob,
    'sweep-provider-inbox': {
      async run() {
        return { outcome: 'done', detail: `queued ${await intake.sweep()}` };
      },
    },
    'purge-deleted-media': {
      async run() {
        return { outcome: 'done', detail: `purged ${await recordings.purgeExpiredMedia()}` };
      },
    },
    ...lti.handlers,
  }, (job, outcome) => metrics.jobAttempt(job, outcome)));
  // Retention runs at start and then hourly; the dedupe key keeps several processes from stacking runs.
  const schedulePurge = () => void queue.enqueue('purge-deleted-media', {}, { dedupeKey: 'purge-deleted-media' }).catch((err: unknown) => logger.error({ err }, 'could not schedule purge'));
  schedulePurge();
  const purgeTimer = setInterval(schedulePurge, 3_600_000);
  purgeTimer.unref();
  const scheduleInboxSweep = () => void queue.enqueue('sweep-provider-inbox', {}, { dedupeKey: 'sweep-provider-inbox' }).catch((err: unknown) => logger.error({ err }, 'could not schedule the inbox sweep'));
  scheduleInboxSweep();
  const sweepTimer = setInterval(scheduleInboxSweep, 300_000);
  sweepTimer.unref();
  // LiveKit webhooks get lost: recordings still waiting for their egress are compared with LiveKit's own list.
  const reconcileTimer = setInterval(() => void queue.enqueue('livekit.reconcile', {}, { dedupeKey: 'livekit-reconcile' }).catch((err: unknown) => logger.error({ err }, 'could not schedule the LiveKit reconcile')), config.livekit.reconcileSeconds * 1000);
  reconcileTimer.unref();


  let demo: DemoWorkspace | null = null;
  const demoAbort = new AbortController();
  let demoMedia: Promise<unknown> = Promise.resolve();
  if (config.demo && (await identity.countUsers()) === 0) {
    demo = await seedDemoWorkspace({ identity, catalog, liveClasses, logger });
    // Generated in the background so the server answers at once; the recording appears when processed.
    // Without FFmpeg there is no demo recording at all, rather than one that fails.
    const liveClassId = demo.liveClassId;
    if (media.available) demoMedia = createDemoRecording({ recordings, ffmpeg: ffmpegRunner, liveClassId, workDir: path.join(scratchDir, 'demo'), logger, signal: demoAbort.signal }).catch((err: unknown) => {
      if (!demoAbort.signal.aborted) logger.error({ err }, 'could not create the demo recording');
    });
  }

  const webDistDir = path.join(projectRoot, 'web', 'dist');
  const http = await createHttpApp({
    cookieSecret: deriveKey(config.secret, 'viewer-cookie'),
    trustProxy: config.trustProxy,
    frameAncestors: lti.frameAncestors,
    logger,
    maxJsonBytes: config.maxJsonBytes,
    publicUrl: config.publicUrl,
    webDistDir,
    metrics,
    authenticate: (bearer) => identity.authenticate(bearer),
  });
  registerSystemRoutes(http, { ping: () => pingDatabase(db), metrics, version: AULA_VERSION, metricsToken: config.metricsToken, media, mail: notifications.mailStatus });
  // Cookies marked Secure are only sent over HTTPS, so only when Aula is reached that way.
  const secureCookies = config.publicUrl.startsWith('https:');
  registerIdentityRoutes(http, identity, { secureCookies });
  registerCatalogRoutes(http, catalog);
  registerHomeRoutes(http, viewerHome);
  registerSearchRoutes(http, createSearchService({ search: createSearchRepository(db), access, readStoredText: readText, parts: recordingParts, logger }));
  registerRecordingViewRoutes(http, createRecordingViews({ recordings, present: presentRecordings, catalog: catalogRepo }));
  registerLiveClassRoutes(http, { liveClasses, recordings, present: presentRecordings, uploadDir: path.join(scratchDir, 'uploads'), maxUploadBytes: config.maxUploadBytes });
  registerProviderRoutes(http, { modules: providerModules, accounts: providerAccounts, intake });
  registerZoomRoutes(http, zoom.sync);
  lti.registerRoutes(http);
  await lti.start();
  registerCloudflareRoutes(http, (viewer, id) => cloudflare.rotateStreamKey(viewer, id));
  registerPlaybackRoutes(http, { playback, analytics, audit, secureCookies });
  registerMediaRoutes(http, { playback, audit });
  registerNotificationRoutes(http, { endpoints: notifications.endpoints, preferences: notifications.preferences, schoolName: config.schoolName });
  registerShareLinkRoutes(http, shareLinks);
  registerEventRoutes(http, { feed, access, authenticate: (bearer) => identity.authenticate(bearer) });
  // Native live classes: an in-process SFU; ICE stays on loopback when Aula itself only listens there.
  // Behind NAT or in a container the announced public address replaces the local ones in candidates.
  const sfu = createWeriftSfu({
    logger, hostAddresses: config.host === '127.0.0.1' ? ['127.0.0.1'] : undefined, announcedAddress, portRange: config.ice.portRange, iceServers: config.ice.servers,
  });
  const liveRooms = createLiveRoomService({
    sfu, iceServers: config.ice.servers, liveClasses, liveClassRepo, recordings, recordingsRepo, access, members: catalogRepo, feed, clock, logger,
    journal: createJsonLinesJournals(path.join(config.dataDir, 'live', 'classes'), 'journal.jsonl'), graceSeconds: config.liveGraceSeconds, watchOfClass: (id) => analytics.watchOfClass(id),
    providerPresence: async (id) => (await providerAttendance.listForClass(id)).flatMap((r) => (r.userId ? [{ userId: r.userId, name: r.name, joinedAt: r.joinedAt, leftAt: r.leftAt }] : [])),
  });
  registerLiveRoomGauges(metrics, () => liveRooms.stats());
  registerLiveRoomRoutes(http, { rooms: liveRooms, authenticate: (bearer) => identity.authenticate(bearer) });
  const liveRecorder = createLiveRecorder({ storage, recordings, recordingsRepo, ffmpeg: ffmpegRunner, probe: probeMedia, readJournal: readJsonLines, workDir: path.join(config.dataDir, 'live', 'recordings'), logger, soleProcess });
  liveRooms.setRecorder(liveRecorder);
  void liveRecorder.recoverInterrupted().catch((err: unknown) => logger.error({ err }, 'could not recover interrupted live recordings'));
  void liveRooms.resumeLiveClasses().catch((err: unknown) => logger.error({ err }, 'could not resume live classes'));
  registerWebRoutes(http, webDistDir);
  notifications.start();

  let closed = false;
  return {
    config,
    media,
    http,
    logger,
    demo,
    async listen() {
      return http.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      await liveRooms.close();
      await liveRecorder.close();
      await sfu.close();
      clearInterval(purgeTimer);
      clearInterval(sweepTimer);
      clearInterval(reconcileTimer);
      lti.close();
      demoAbort.abort();
      await demoMedia;
      // In-flight requests get a few seconds; a client that stopped reading a media body must not hold shutdown forever.
      const forceClose = setTimeout(() => http.server.closeAllConnections(), 5_000);
      await http.close();
      clearTimeout(forceClose);
      await queue.stop();
      await notifications.close();
      await sidecarText.close();
      await analytics.close();
      await audit.close();
      playback.close();
      await feed.close();
      await database.close();
      logDestination?.flushSync();
    },
  };
}
