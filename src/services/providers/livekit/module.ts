import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import { isoNow } from '../../../adapters/clock';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { ProviderAttendanceRepository } from '../../../adapters/db/provider-attendance-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { LiveKitApi } from '../../../adapters/providers/livekit-api';
import { LiveKitApiError } from '../../../domain/providers/livekit/api-error';
import { Unprocessable } from '../../../domain/errors';
import { roomNameOf } from '../../../domain/providers/livekit/egress';
import { parseLiveKitEvent, verifyLiveKitWebhook } from '../../../domain/providers/livekit/webhook';
import type { JobQueue } from '../../../jobs/queue';
import type { JoinInfo } from '../../live-classes';
import type { ProviderCapture, RecordingService } from '../../recordings';
import type { ProviderAccounts } from '../accounts';
import type { ClassMover } from '../class-moves';
import type { ProviderModule } from '../provider-module';
import { type LiveKitAccount, liveKitAccount, liveKitAccountSpec } from './account';
import { captureStates } from './capture-state';
import { type EgressJobsDeps, egressJobs } from './egress-jobs';
import { liveKitEvents } from './events';

/** Join tokens are short-lived; the browser asks for a new one to rejoin. */
const JOIN_TTL_SECONDS = 15 * 60;

/** Recordings of LiveKit classes: told to LiveKit as egress jobs, by id. Built before the recording service. */
export function liveKitCapture(queue: Pick<JobQueue, 'enqueue'>): ProviderCapture {
  return {
    async started(rec) {
      await queue.enqueue('livekit.start-egress', { recordingId: rec.id }, { dedupeKey: `livekit-start:${rec.id}:1`, maxAttempts: 4 });
    },
    async stopping(rec) {
      await queue.enqueue('livekit.stop-egress', { recordingId: rec.id }, { dedupeKey: `livekit-stop:${rec.id}` });
    },
  };
}

export interface LiveKitModuleDeps extends Omit<EgressJobsDeps, 'loadAccount' | 'states' | 'recordingsRepo' | 'liveClassesRepo' | 'log'> {
  api: LiveKitApi;
  accounts: Pick<ProviderAccounts, 'load'>;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'update'>;
  recordings: Pick<RecordingService, 'transition' | 'finishLive' | 'queueLiveProcessing'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'getByExternalRef' | 'getProviderState' | 'swapProviderState' | 'listAwaitingProvider'>;
  attendance: ProviderAttendanceRepository;
  storageKind: 'local' | 's3';
  clock: Clock;
  logger: Logger;
}

/** LiveKit on the provider path: rooms per class, join tokens, Egress recordings, signed webhooks. */
export function createLiveKitModule(deps: LiveKitModuleDeps): ProviderModule {
  const log = deps.logger.child({ provider: 'livekit' });
  const loadAccount = async (id: string): Promise<LiveKitAccount | null> => {
    const account = await deps.accounts.load('livekit', id);
    return account ? liveKitAccount(account) : null;
  };
  const egress = egressJobs({ ...deps, loadAccount, states: captureStates(deps.recordingsRepo), recordingsRepo: deps.recordingsRepo, liveClassesRepo: deps.liveClassesRepo, log });
  const dispatch = liveKitEvents({ egress, liveClasses: deps.liveClasses, liveClassesRepo: deps.liveClassesRepo, recordingsRepo: deps.recordingsRepo, attendance: deps.attendance, clock: deps.clock, log });

  async function accountOf(accountId: string | null): Promise<LiveKitAccount> {
    const account = accountId ? await loadAccount(accountId) : null;
    if (!account) throw new Unprocessable(`LiveKit account ${accountId ?? '(none)'} does not exist; create it with POST /api/v1/providers/livekit/accounts`);
    return account;
  }

  const speakersOf = (data: Record<string, unknown> | null): string[] => (Array.isArray(data?.speakers) ? data.speakers.filter((s): s is string => typeof s === 'string') : []);

  return {
    name: 'livekit',
    label: 'LiveKit',
    accounts: liveKitAccountSpec({ api: deps.api, storageKind: deps.storageKind }),
    hooks: {
      needsAccount: true,
      async created(cls) {
        const account = await accountOf(cls.providerAccountId);
        return { providerMeetingId: roomNameOf(cls.id), providerData: { room: roomNameOf(cls.id), serverUrl: account.serverUrl, speakers: [] } };
      },
      async join(cls, viewer, staff): Promise<JoinInfo> {
        const account = await accountOf(cls.providerAccountId);
        const userId = viewer.kind === 'user' ? viewer.userId : `api-key:${viewer.apiKeyId ?? 'admin'}`;
        const canPublish = staff || speakersOf(cls.providerData).includes(userId);
        const roomName = roomNameOf(cls.id);
        const token = await deps.api.joinToken(account.credentials, {
          roomName, identity: `user:${userId}`, name: viewer.kind === 'user' ? viewer.name : 'Aula', ttlSeconds: JOIN_TTL_SECONDS,
          grants: { canPublish, canSubscribe: true, canPublishData: true, roomAdmin: staff },
        });
        return { provider: 'livekit', url: `/live/${cls.id}`, serverUrl: account.serverUrl, roomName, token, canPublish, expiresAt: new Date(deps.clock.now().getTime() + JOIN_TTL_SECONDS * 1000).toISOString() };
      },
      async setSpeaker(cls, userId, allowed) {
        const account = await accountOf(cls.providerAccountId);
        const speakers = new Set(speakersOf(cls.providerData));
        if (allowed) speakers.add(userId);
        else speakers.delete(userId);
        await deps.liveClassesRepo.update(cls.id, { providerData: { ...cls.providerData, speakers: [...speakers] }, now: isoNow(deps.clock) });
        try {
          await deps.api.setCanPublish(account.credentials, roomNameOf(cls.id), `user:${userId}`, allowed);
        } catch (err) {
          // Not in the room right now: the next join token carries the permission.
          if (!(err instanceof LiveKitApiError) || err.retryable) throw err;
          log.info({ liveClassId: cls.id, userId, err: err.message }, 'speaker permission kept for the next join');
        }
      },
    },
    webhooks: {
      async verify(account, request, nowMs) {
        const lk = liveKitAccount(account);
        const check = await verifyLiveKitWebhook({ apiKey: lk.credentials.apiKey, apiSecret: lk.credentials.apiSecret, authorization: request.headers.authorization, rawBody: request.rawBody, nowMs });
        if (check.ok) return null;
        if (check.reason === 'missing_signature') return { reason: check.reason, message: 'Missing or malformed Authorization header: LiveKit sends the signed JWT itself, without "Bearer"' };
        if (check.reason === 'stale') return { reason: check.reason, message: 'The webhook\'s token has expired or is not valid yet; the event is refused' };
        return { reason: check.reason, message: 'The webhook is not signed with this LiveKit account\'s API key and secret, or its body was changed' };
      },
      interpret(_account, rawBody) {
        const parsed = parseLiveKitEvent(JSON.parse(rawBody.toString('utf8')) as unknown);
        if (parsed.kind === 'invalid') return parsed;
        if (parsed.kind === 'ignored') return { kind: 'ignored', detail: `Aula does not use ${parsed.event} events` };
        return { kind: 'event', deliveryId: parsed.event.id, eventType: parsed.event.event };
      },
      async handle(account, rawBody) {
        const parsed = parseLiveKitEvent(JSON.parse(rawBody.toString('utf8')) as unknown);
        if (parsed.kind !== 'event') return { ignored: 'not an event Aula acts on' };
        return dispatch(liveKitAccount(account), parsed.event);
      },
    },
    jobs: {
      'livekit.start-egress': egress.startEgress,
      'livekit.check-egress': egress.checkEgress,
      'livekit.stop-egress': egress.stopEgress,
      'livekit.import-egress': egress.importEgress,
      'livekit.reconcile': egress.reconcile,
    },
  };
}
