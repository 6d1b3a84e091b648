import path from 'node:path';
import { pingDatabase } from '../adapters/db/database';
import { deriveKey } from '../adapters/crypto';
import { createHttpApp, type HttpApp } from '../http/app';
import { registerLiveRoomGauges } from '../http/metrics';
import { registerCatalogRoutes } from '../http/routes/catalog';
import { registerCloudflareRoutes } from '../http/routes/cloudflare';
import { registerEventRoutes } from '../http/routes/events';
import { registerHomeRoutes } from '../http/routes/home';
import { registerIdentityRoutes } from '../http/routes/identity';
import { recordingDetail, registerLiveClassRoutes } from '../http/routes/live-classes';
import { createRoomGrants, registerLiveRoomRoutes } from '../http/routes/live-room';
import { registerLiveMediaRoutes } from '../http/routes/live-media';
import { registerMediaRoutes } from '../http/routes/media';
import { registerNotificationRoutes } from '../http/routes/notifications';
import { registerPlaybackRoutes } from '../http/routes/playback';
import { registerProviderRoutes } from '../http/routes/providers';
import { registerRecordingTrimRoutes } from '../http/routes/recording-trim';
import { registerRecordingViewRoutes } from '../http/routes/recording-view';
import { registerSearchRoutes } from '../http/routes/search';
import { registerShareLinkRoutes } from '../http/routes/share-links';
import { registerSystemRoutes } from '../http/routes/system';
import { registerWebRoutes } from '../http/routes/web';
import { registerZoomRoutes } from '../http/routes/zoom';
import type { LiveRoomService } from '../services/live-room';
import type { Classes } from './classes';
import type { Foundation } from './foundation';
import type { Viewing } from './viewing';

/** The HTTP app with every route of every area; the web app's fallback comes last. */
export async function createRoutes(f: Foundation, classes: Classes, viewing: Viewing, rooms: LiveRoomService, webDistDir: string): Promise<HttpApp> {
  const { config, identity } = f;
  const { recordings, liveClasses } = classes;
  const http = await createHttpApp({
    cookieSecret: deriveKey(config.secret, 'viewer-cookie'), trustProxy: config.trustProxy, frameAncestors: viewing.lti.frameAncestors, logger: f.logger,
    maxJsonBytes: config.maxJsonBytes, publicUrl: config.publicUrl, webDistDir, metrics: f.metrics, authenticate: (bearer) => identity.authenticate(bearer),
  });
  registerSystemRoutes(http, { ping: () => pingDatabase(f.db), metrics: f.metrics, version: AULA_VERSION, metricsToken: config.metricsToken, media: f.media, mail: viewing.notifications.mailStatus });
  // Cookies marked Secure are only sent over HTTPS, so only when Aula is reached that way.
  const secureCookies = config.publicUrl.startsWith('https:');
  registerIdentityRoutes(http, identity, { secureCookies });
  registerCatalogRoutes(http, f.catalog);
  registerHomeRoutes(http, viewing.viewerHome);
  registerSearchRoutes(http, viewing.search);
  registerRecordingViewRoutes(http, viewing.recordingViews);
  registerLiveClassRoutes(http, { liveClasses, recordings, present: viewing.presentRecordings, uploadDir: path.join(f.scratchDir, 'uploads'), maxUploadBytes: config.maxUploadBytes, publicUrl: config.publicUrl });
  registerRecordingTrimRoutes(http, { trims: viewing.trims, view: (viewer, id) => recordingDetail(recordings, viewer, id) });
  registerProviderRoutes(http, { modules: classes.providerModules, accounts: classes.accounts, intake: classes.intake });
  registerZoomRoutes(http, classes.zoom.sync);
  viewing.lti.registerRoutes(http);
  await viewing.lti.start();
  registerCloudflareRoutes(http, (viewer, id) => classes.cloudflare.rotateStreamKey(viewer, id));
  registerPlaybackRoutes(http, { playback: viewing.playback, analytics: viewing.analytics, audit: viewing.audit, secureCookies });
  registerMediaRoutes(http, { playback: viewing.playback, audit: viewing.audit });
  registerLiveMediaRoutes(http, { audience: viewing.liveAudience });
  registerNotificationRoutes(http, { endpoints: viewing.notifications.endpoints, preferences: viewing.notifications.preferences, schoolName: config.schoolName });
  registerShareLinkRoutes(http, viewing.shareLinks);
  registerEventRoutes(http, { feed: f.feed, access: f.access, authenticate: (bearer) => identity.authenticate(bearer) });
  registerLiveRoomGauges(f.metrics, () => rooms.stats());
  const grants = createRoomGrants({ key: deriveKey(config.secret, 'room-grant'), clock: f.clock, self: rooms.self });
  registerLiveRoomRoutes(http, { rooms, authenticate: (bearer) => identity.authenticate(bearer), grants });
  registerWebRoutes(http, webDistDir);
  return http;
}

export const AULA_VERSION = '0.1.0';
