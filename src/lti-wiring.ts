import type { Logger } from 'pino';
import type { Clock } from './adapters/clock';
import { deriveKey } from './adapters/crypto';
import type { CatalogRepository } from './adapters/db/catalog-repository';
import type { Db } from './adapters/db/database';
import type { IdentityRepository } from './adapters/db/identity-repository';
import type { LiveClassRepository } from './adapters/db/live-class-repository';
import { createLtiRepository } from './adapters/db/lti-repository';
import type { RecordingRepository } from './adapters/db/recording-repository';
import { createPlatformHttp } from './adapters/lti/platform-http';
import type { AppConfig } from './config';
import type { HttpApp } from './http/app';
import { registerLtiRoutes } from './http/routes/lti';
import { registerLtiAdminRoutes } from './http/routes/lti-admin';
import type { JobHandlers, JobQueue } from './jobs/queue';
import { ltiPostScoreHandler } from './jobs/handlers/lti-post-score';
import { ltiSyncRosterHandler, ltiSyncRostersHandler } from './jobs/handlers/lti-sync-roster';
import type { IdentityService } from './services/identity';
import { createAccessTokens } from './services/lti/access-tokens';
import { createLtiDeepLinking } from './services/lti/deep-linking';
import { createLtiGrades } from './services/lti/grades';
import { createLtiLaunch } from './services/lti/launch';
import { createPlatformKeys } from './services/lti/platform-keys';
import { createLtiProvisioning } from './services/lti/provisioning';
import { createLtiRegistration } from './services/lti/registration';
import { createLtiRoster } from './services/lti/roster';
import { createToolKeys } from './services/lti/tool-keys';

/** Combines the configured frame-ancestors with registered platforms' origins ('none' gives way to them, * stays *). */
export function frameAncestorsWith(configured: string, origins: readonly string[]): string {
  if (configured.split(/\s+/).includes('*') || origins.length === 0) return configured;
  const sources = configured.split(/\s+/).filter((s) => s && s !== "'none'");
  for (const o of origins) if (!sources.includes(o)) sources.push(o);
  return sources.join(' ');
}

/** The LTI area of the composition root: its repository, services, jobs and routes. */
export function wireLti(deps: {
  config: AppConfig;
  db: Db;
  users: IdentityRepository;
  catalog: CatalogRepository;
  recordings: RecordingRepository;
  liveClasses: LiveClassRepository;
  identity: IdentityService;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
}) {
  const { config, clock } = deps;
  const logger = deps.logger.child({ area: 'lti' });
  const repo = createLtiRepository(deps.db);
  const http = createPlatformHttp();
  const keys = createToolKeys({ repo, clock, encryptionKey: deriveKey(config.secret, 'lti-keys') });
  const tokens = createAccessTokens({ http, keys, clock });
  const provisioning = createLtiProvisioning({ repo, users: deps.users, catalog: deps.catalog, clock });

  let frameAncestors = config.frameAncestors;
  const registration = createLtiRegistration({
    repo, catalog: deps.catalog, http, clock, logger, publicUrl: config.publicUrl,
    onChange: () => refreshFrameAncestors(),
  });
  async function refreshFrameAncestors() {
    try {
      frameAncestors = frameAncestorsWith(config.frameAncestors, await registration.frameOrigins());
    } catch (err) {
      logger.error({ err }, 'could not read LTI platform origins for frame-ancestors');
    }
  }
  const launch = createLtiLaunch({
    repo, keys: createPlatformKeys({ http }), provisioning, catalog: deps.catalog, recordings: deps.recordings, liveClasses: deps.liveClasses,
    identity: deps.identity, queue: deps.queue, clock, logger, publicUrl: config.publicUrl,
  });
  const deepLinking = createLtiDeepLinking({ launch, repo, catalog: deps.catalog, recordings: deps.recordings, keys, clock, publicUrl: config.publicUrl });
  const roster = createLtiRoster({ repo, http, tokens, provisioning, clock, logger });
  const grades = createLtiGrades({ repo, http, tokens, queue: deps.queue, clock, logger, debounceMs: config.lti.scoreDelayMs });

  const handlers: JobHandlers = {
    'lti-sync-roster': ltiSyncRosterHandler(roster),
    'lti-sync-rosters': ltiSyncRostersHandler(roster, deps.queue),
    'lti-post-score': ltiPostScoreHandler(grades),
  };

  const timers: NodeJS.Timeout[] = [];
  return {
    handlers,
    /** The CSP frame-ancestors value right now. */
    frameAncestors: () => frameAncestors,
    /** A heartbeat was counted: maybe a score to send. Never slows or fails the heartbeat. */
    onWatched(userId: string, recordingId: string) {
      void grades.watched(userId, recordingId).catch((err: unknown) => logger.error({ err, userId, recordingId }, 'could not schedule an LTI score'));
    },
    registerRoutes(app: HttpApp) {
      registerLtiRoutes(app, { launch, registration, deepLinking, keys, publicUrl: config.publicUrl });
      registerLtiAdminRoutes(app, { registration, keys, roster, queue: deps.queue });
    },
    /** Loads the platform origins, then reads rosters every interval (deduplicated across processes). */
    async start() {
      await refreshFrameAncestors();
      const sweep = () => {
        void deps.queue.enqueue('lti-sync-rosters', {}, { dedupeKey: 'lti-sync-rosters' }).catch((err: unknown) => logger.error({ err }, 'could not schedule roster syncs'));
        void launch.prune().catch((err: unknown) => logger.error({ err }, 'could not prune LTI login records'));
      };
      // Other processes register platforms too: their origins are picked up within a minute.
      timers.push(setInterval(sweep, config.lti.rosterSyncMs), setInterval(() => void refreshFrameAncestors(), 60_000));
      for (const t of timers) t.unref();
    },
    close() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
}
