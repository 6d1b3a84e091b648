import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { CloudflareApi } from '../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../domain/providers/cloudflare/api-error';
import { kindOfStoredBody, parseCloudflareWebhook } from '../../../domain/providers/cloudflare/events';
import {
  signedPlaybackUrl, signStreamPlaybackToken, verifyNotificationSecret, verifyRealtimeKitWebhook, verifyStreamWebhook, webhookKindOf,
} from '../../../domain/providers/cloudflare/signatures';
import { NotFound, Unprocessable } from '../../../domain/errors';
import type { Principal } from '../../../domain/identity';
import type { JobQueue } from '../../../jobs/queue';
import type { HostedPlayback } from '../../playback';
import type { RecordingService } from '../../recordings';
import type { ViewerAccess } from '../../viewer-access';
import type { ProviderAccounts } from '../accounts';
import type { ClassMover } from '../class-moves';
import type { JobScratch } from '../job-scratch';
import type { ProviderModule, WebhookRefusal } from '../provider-module';
import type { RemoteImport } from '../remote-import';
import type { InboxReader } from '../webhook-intake';
import { type CloudflareAccount, cloudflareAccount, cloudflareAccountSpec } from './account';
import { cloudflareEvents } from './events';
import { cloudflareHooks, rotateStreamKey } from './hooks';
import { rtkJobs } from './rtk-jobs';
import { type HostedVideoState, streamJobs, type StreamJobsDeps } from './stream-jobs';

export interface CloudflareModuleDeps {
  api: CloudflareApi;
  accounts: Pick<ProviderAccounts, 'load'>;
  readInbox: InboxReader;
  remoteImport: RemoteImport;
  access: Pick<ViewerAccess, 'assertCanManage'>;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'getByProviderMeeting' | 'update'>;
  recordings: Pick<RecordingService, 'transition' | 'receiveCapturedFile' | 'createHostedElsewhere'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'getByExternalRef' | 'getProviderState' | 'swapProviderState'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Seconds between polls of a video or live input that is still processing. */
  pollSeconds: number;
  maxDownloadBytes: number;
  /** Where downloads are streamed before they move into storage; one folder per job, removed when it ends. */
  scratch: JobScratch;
  /** Copies a video's HLS into an MP4 when Cloudflare makes none. */
  runFfmpeg: StreamJobsDeps['runFfmpeg'];
  clock: Clock;
  logger: Logger;
}

export interface CloudflareModule extends ProviderModule {
  /** Signed Cloudflare playback for recordings kept on Cloudflare (after Aula's own access check). */
  hostedPlayback: HostedPlayback;
  rotateStreamKey(viewer: Principal, liveClassId: string): Promise<LiveClassRecord>;
  /** Retention: a purged recording kept on Cloudflare is deleted there too. */
  purgeHosted(recordingId: string): Promise<void>;
}

/** Cloudflare on the provider path: Stream live inputs and RealtimeKit meetings, three kinds of webhooks, imports. */
export function createCloudflareModule(deps: CloudflareModuleDeps): CloudflareModule {
  const log = deps.logger.child({ provider: 'cloudflare' });
  const pollMs = deps.pollSeconds * 1000;
  const loadAccount = async (id: string): Promise<CloudflareAccount | null> => {
    const account = await deps.accounts.load('cloudflare', id);
    return account ? cloudflareAccount(account) : null;
  };
  const shared = { api: deps.api, loadAccount, remoteImport: deps.remoteImport, recordingsRepo: deps.recordingsRepo, liveClassesRepo: deps.liveClassesRepo, scratch: deps.scratch, maxDownloadBytes: deps.maxDownloadBytes, clock: deps.clock, log };
  const stream = streamJobs({ ...shared, recordings: deps.recordings, queue: deps.queue, runFfmpeg: deps.runFfmpeg, pollMs });
  const rtk = rtkJobs({ ...shared, readInbox: deps.readInbox, recordings: deps.recordings });
  const dispatch = cloudflareEvents({ stream, rtk, remoteImport: deps.remoteImport, liveClasses: deps.liveClasses, liveClassesRepo: deps.liveClassesRepo, recordingsRepo: deps.recordingsRepo, queue: deps.queue, pollMs, clock: deps.clock, log });
  const hooksDeps = { api: deps.api, loadAccount, liveClassesRepo: deps.liveClassesRepo, clock: deps.clock, log };

  const refusals: Record<'missing_signature' | 'bad_signature' | 'stale', (what: string) => WebhookRefusal> = {
    missing_signature: (what) => ({ reason: 'missing_signature', message: `Missing or malformed ${what}` }),
    bad_signature: (what) => ({ reason: 'bad_signature', message: `${what} does not match this Cloudflare account's secret, or the body was changed` }),
    stale: () => ({ reason: 'stale', message: 'Webhook-Signature time is more than 5 minutes away from Aula\'s clock; the event is refused' }),
  };

  /** A recording whose video stays on Cloudflare, with its class's account. */
  async function hostedVideo(recordingId: string): Promise<{ videoUid: string; hls: string; account: CloudflareAccount } | null> {
    const raw = await deps.recordingsRepo.getProviderState(recordingId);
    const state = raw ? (JSON.parse(raw) as Partial<HostedVideoState>) : null;
    if (!state?.hosted) return null;
    const rec = await deps.recordingsRepo.get(recordingId);
    const cls = rec && (await deps.liveClassesRepo.get(rec.liveClassId));
    const account = cls?.providerAccountId ? await loadAccount(cls.providerAccountId) : null;
    return account ? { ...state.hosted, account } : null;
  }

  return {
    name: 'cloudflare',
    label: 'Cloudflare',
    accounts: cloudflareAccountSpec(deps.api),
    hooks: cloudflareHooks(hooksDeps),
    webhooks: {
      verify(account, request, nowMs) {
        const cf = cloudflareAccount(account);
        const kind = webhookKindOf(request.headers);
        if (kind === 'stream') {
          const check = verifyStreamWebhook({ secret: cf.streamWebhookSecret, header: request.headers['webhook-signature'], rawBody: request.rawBody, nowMs });
          return check.ok ? null : refusals[check.reason]('Webhook-Signature');
        }
        if (kind === 'notification') {
          const check = verifyNotificationSecret(cf.notificationSecret, request.headers['cf-webhook-auth']);
          return check.ok ? null : refusals[check.reason === 'stale' ? 'bad_signature' : check.reason]('cf-webhook-auth');
        }
        if (kind === 'realtimekit') {
          if (!cf.realtimeKit) return { reason: 'bad_signature', message: 'This Cloudflare account has no RealtimeKit app; RealtimeKit webhooks are refused' };
          const check = verifyRealtimeKitWebhook({ publicKeyPem: cf.realtimeKit.webhookPublicKey, signature: request.headers['rtk-signature'], rawBody: request.rawBody });
          return check.ok ? null : refusals[check.reason === 'stale' ? 'bad_signature' : check.reason]('rtk-signature');
        }
        return refusals.missing_signature('signature: Cloudflare webhooks carry Webhook-Signature (Stream), cf-webhook-auth (Notifications) or rtk-signature (RealtimeKit)');
      },
      interpret(_account, rawBody, headers) {
        const kind = webhookKindOf(headers);
        if (!kind) return { kind: 'invalid', message: 'Not a Cloudflare webhook' };
        let body: unknown;
        try {
          body = JSON.parse(rawBody.toString('utf8'));
        } catch {
          return { kind: 'invalid', message: 'The webhook body is not JSON' };
        }
        const parsed = parseCloudflareWebhook(kind, body, headers['rtk-uuid']);
        if (parsed.kind !== 'event') return parsed;
        // Stored bodies are told apart by shape when handled: the body must have the shape its headers claim.
        if (kindOfStoredBody(body) !== kind) return { kind: 'invalid', message: `The body is not a ${kind} webhook` };
        return { kind: 'event', deliveryId: parsed.deliveryId, eventType: parsed.eventType };
      },
      async handle(account, rawBody, delivery) {
        const body = JSON.parse(rawBody.toString('utf8')) as unknown;
        const kind = kindOfStoredBody(body);
        const parsed = kind ? parseCloudflareWebhook(kind, body, 'stored') : null;
        if (parsed?.kind !== 'event') return { ignored: 'not an event Aula acts on' };
        return dispatch(cloudflareAccount(account), parsed.event, delivery.inboxId);
      },
    },
    jobs: {
      'cloudflare.import-video': stream.importVideo,
      'cloudflare.poll-input': stream.pollInput,
      'cloudflare.start-recording': rtk.startRecording,
      'cloudflare.stop-recording': rtk.stopRecording,
      'cloudflare.import-rtk': rtk.importRecording,
    },

    async hostedPlayback(recordingId, expiresAtUnix) {
      const hosted = await hostedVideo(recordingId);
      const key = hosted?.account.signingKey;
      if (!hosted || !key) return null;
      const token = signStreamPlaybackToken({ keyId: key.id, pemBase64: key.pemBase64, videoUid: hosted.videoUid, expiresAtUnix });
      const hls = signedPlaybackUrl(hosted.hls, hosted.videoUid, token);
      return hls ? { hls } : null;
    },

    async purgeHosted(recordingId) {
      const hosted = await hostedVideo(recordingId);
      if (!hosted) return;
      try {
        await deps.api.deleteVideo(hosted.account.credentials, hosted.videoUid);
      } catch (err) {
        if (!(err instanceof CloudflareApiError) || err.kind !== 'not_found') throw err;
      }
      log.info({ recordingId, videoUid: hosted.videoUid }, 'deleted a purged recording\'s video at Cloudflare');
    },

    async rotateStreamKey(viewer, liveClassId) {
      const cls = await deps.liveClassesRepo.get(liveClassId);
      if (!cls || cls.deletedAt || cls.provider !== 'cloudflare') throw new NotFound('Live class', liveClassId);
      await deps.access.assertCanManage(viewer, cls.batchId);
      const account = await loadAccount(cls.providerAccountId ?? '');
      if (!account) throw new Unprocessable('The class\'s Cloudflare account was removed');
      return rotateStreamKey(hooksDeps, account, cls);
    },
  };
}
