import { createAuditRepository } from '../adapters/db/audit-repository';
import { createHomeRepository } from '../adapters/db/home-repository';
import { createSearchRepository } from '../adapters/db/search-repository';
import { createWatchRepository } from '../adapters/db/watch-repository';
import { deriveKey } from '../adapters/crypto';
import { createMemoryWatchSessionStore, createRedisWatchSessionStore } from '../adapters/watch/watch-session-store';
import { createNotifications } from '../app-notifications';
import { wireLti } from '../lti-wiring';
import { createAuditLog } from '../services/audit';
import { createMediaCache } from '../services/media-cache';
import { createShareLinkService } from '../services/notifications/share-links';
import { createLiveAudience, createPlaybackService } from '../services/playback';
import { createRecordingParts } from '../services/recording-parts';
import { createRecordingPresenter } from '../services/recording-presenter';
import { createQuickCut } from '../services/recording-trim/quick-cut';
import { createTrimService } from '../services/recording-trim/trim-service';
import { createRecordingViews } from '../services/recording-view';
import { createSearchService } from '../services/search';
import { createViewerHome } from '../services/viewer-home';
import { createWatchAnalytics } from '../services/watch-analytics';
import type { Classes } from './classes';
import type { Foundation } from './foundation';

/** Watching recordings and reaching people: playback, trims, analytics, home and search, notifications, share links, LTI. */
export function wireViewing(f: Foundation, classes: Classes) {
  const { config, db, clock, logger, storage, recordingsRepo, access } = f;
  const audit = createAuditLog({ audit: createAuditRepository(db), clock, logger });
  const notifications = createNotifications({ config, db, storage, users: f.usersRepo, feed: f.feed, clock, logger });
  const mediaCache = config.mediaCacheBytes > 0 ? createMediaCache({ storage, maxBytes: config.mediaCacheBytes, maxObjectBytes: 16 * 1024 * 1024 }) : undefined;
  const playback = createPlaybackService({
    recordings: recordingsRepo, access, storage, audit, feed: f.feed, clock, signingKey: deriveKey(config.secret, 'playback'), publicUrl: config.publicUrl, ttlSeconds: config.playbackTtlSeconds,
    mediaCache, users: f.usersRepo, shareLinks: notifications.shareLinks, hosted: classes.cloudflare.hostedPlayback, quickCut: createQuickCut({ readText: f.readText }),
  });
  // One token per recording and window for its whole live audience: a cache in front serves everyone the same URLs.
  const liveAudience = createLiveAudience({
    recordings: recordingsRepo, storage, mediaCache, feed: f.feed, clock, signingKey: deriveKey(config.secret, 'live-audience'), publicUrl: config.publicUrl, windowSeconds: config.liveAudienceLinkSeconds,
  });
  const lti = wireLti({ config, db, users: f.usersRepo, catalog: f.catalogRepo, recordings: recordingsRepo, liveClasses: f.liveClassRepo, identity: f.identity, queue: f.queue, clock, logger });
  const analytics = createWatchAnalytics({
    watch: createWatchRepository(db), recordings: recordingsRepo, catalog: f.catalogRepo, access, clock, logger,
    sessions: config.redisUrl ? createRedisWatchSessionStore(config.redisUrl) : createMemoryWatchSessionStore(() => clock.now().getTime()),
    onWatched: lti.onWatched,
  });
  const homeRepo = createHomeRepository(db);
  const parts = createRecordingParts(homeRepo);
  const presentRecordings = createRecordingPresenter({ playback, analytics, parts });
  const trims = createTrimService({
    repo: recordingsRepo, access, liveClassBatch: async (id) => (await f.liveClassRepo.get(id))?.batchId ?? null, storage, queue: f.queue, clock, logger, announce: classes.recordings.announce,
  });
  return {
    audit, notifications, playback, liveAudience, lti, analytics, presentRecordings, trims,
    viewerHome: createViewerHome({ home: homeRepo, access, playback, analytics, parts, clock }),
    shareLinks: createShareLinkService({ shareLinks: notifications.shareLinks, recordings: recordingsRepo, access, playback, analytics, audit, clock, publicUrl: config.publicUrl }),
    search: createSearchService({ search: createSearchRepository(db), access, readStoredText: f.readText, parts, logger }),
    recordingViews: createRecordingViews({ recordings: classes.recordings, present: presentRecordings, catalog: f.catalogRepo }),
  };
}

export type Viewing = ReturnType<typeof wireViewing>;
