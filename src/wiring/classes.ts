import { createCloudflareApi } from '../adapters/providers/cloudflare-api';
import { createLiveKitApi } from '../adapters/providers/livekit-api';
import { createZoomApi } from '../adapters/providers/zoom-api';
import { createProviderAccountStore } from '../adapters/db/provider-repository';
import { createProviderInboxRepository } from '../adapters/db/provider-inbox-repository';
import { createProviderAttendanceRepository } from '../adapters/db/provider-attendance-repository';
import { runFfmpeg } from '../adapters/media/ffmpeg-process';
import { probeMedia } from '../adapters/media/ffprobe';
import { LocalMediaStorage } from '../adapters/storage/local-storage';
import { readStoredText } from '../adapters/storage/media-storage';
import { deriveKey } from '../adapters/crypto';
import { createLiveClassService, type LiveClassService } from '../services/live-classes';
import { createProviderAccounts } from '../services/providers/accounts';
import { createCloudflareModule } from '../services/providers/cloudflare/module';
import { cloudflareCapture } from '../services/providers/cloudflare/rtk-jobs';
import { createLiveKitModule, liveKitCapture } from '../services/providers/livekit/module';
import type { ProviderModule, RemoteProvider } from '../services/providers/provider-module';
import { createRemoteImport } from '../services/providers/remote-import';
import { createInboxReader, createWebhookIntake } from '../services/providers/webhook-intake';
import { createZoomModule } from '../services/providers/zoom/module';
import { createRecordingService, type LiveCapture } from '../services/recordings';
import type { Foundation } from './foundation';

/**
 * Classes and their recordings, and the providers that hold or capture them. The three need each other (a provider
 * imports into recordings and moves classes; a class tells its provider; a recording stops its capture), so the
 * later ones reach the earlier by getter, never by a setter after construction.
 */
export function wireClasses(f: Foundation, later: { liveCapture: () => LiveCapture }) {
  const { config, db, queue, clock, logger, storage, recordingsRepo, liveClassRepo, access } = f;
  const recordings = createRecordingService({
    recordings: recordingsRepo, liveClasses: liveClassRepo, access, storage, readStoredText: f.readText, queue, feed: f.feed, clock, logger, retentionDays: config.retentionDays,
    sidecarText: f.sidecarText,
    onPlayable: (provider, seconds) => f.metrics.recordingPlayable(provider, seconds),
    captures: { livekit: liveKitCapture(queue), cloudflare: cloudflareCapture(queue) },
    purgeHosted: (recordingId) => cloudflare.purgeHosted(recordingId),
    liveCapture: later.liveCapture,
  });
  // One provider path: accounts, inbox and import rules shared by every provider module.
  const secretKey = deriveKey(config.secret, 'provider-secrets');
  const accounts = createProviderAccounts({ store: createProviderAccountStore(db), clock, logger, secretKey, publicUrl: config.publicUrl });
  const inbox = createProviderInboxRepository(db);
  const readInbox = createInboxReader(inbox, secretKey);
  const remoteImport = createRemoteImport({ recordings, recordingsRepo, log: logger });
  const liveClassesLater = () => liveClasses;
  const zoom = createZoomModule({
    api: createZoomApi(config.zoom), accounts, readInbox, remoteImport, liveClassesRepo: liveClassRepo, liveClasses: liveClassesLater,
    recordings, recordingsRepo, queue, clock, logger, scratch: f.jobScratch('zoom'),
  });
  const s3 = config.storage.kind === 's3' ? config.storage.s3 : null;
  const providerAttendance = createProviderAttendanceRepository(db);
  const livekit = createLiveKitModule({
    api: createLiveKitApi(), accounts, liveClasses: liveClassesLater, liveClassesRepo: liveClassRepo, recordings, recordingsRepo, queue,
    attendance: providerAttendance, storage, storageKind: storage.kind, probe: (file) => probeMedia(file, { timeoutMs: 20_000 }),
    s3: s3 && { kind: 's3', bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: s3.forcePathStyle },
    openDirectory: (dir) => new LocalMediaStorage(dir), readStoredText, scratch: f.jobScratch('livekit'), startTimeoutMs: config.livekit.startTimeoutSeconds * 1000, clock, logger,
  });
  const cloudflare = createCloudflareModule({
    api: createCloudflareApi(config.cloudflare), accounts, readInbox, remoteImport, access, liveClasses: liveClassesLater, liveClassesRepo: liveClassRepo,
    recordings, recordingsRepo, queue, pollSeconds: config.cloudflare.pollSeconds, maxDownloadBytes: config.maxUploadBytes, scratch: f.jobScratch('cloudflare'), runFfmpeg, clock, logger,
  });
  const providerModules: ProviderModule[] = [zoom, livekit, cloudflare];
  const intake = createWebhookIntake({
    modules: new Map<RemoteProvider, ProviderModule>(providerModules.map((m) => [m.name, m])), accounts, inbox, queue, clock, logger, secretKey,
    onRefused: (provider, reason) => f.metrics.webhookDeliveryRefused(provider, reason),
  });
  const liveClasses: LiveClassService = createLiveClassService({
    liveClasses: liveClassRepo, catalog: f.catalogRepo, access, recordings, recordingsRepo, clock, logger, providers: Object.fromEntries(providerModules.map((m) => [m.name, m.hooks])), feed: f.feed,
    nativeSeats: config.liveSeats,
  });
  return { recordings, liveClasses, zoom, cloudflare, providerModules, accounts, intake, providerAttendance };
}

export type Classes = ReturnType<typeof wireClasses>;
