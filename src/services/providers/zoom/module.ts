import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { ZoomApi } from '../../../adapters/providers/zoom-api';
import { parseZoomEvent, verifyZoomSignature, zoomDeliveryId, zoomUrlValidationAnswer } from '../../../domain/providers/zoom/webhook';
import type { JobQueue } from '../../../jobs/queue';
import type { RecordingService } from '../../recordings';
import type { ProviderAccounts } from '../accounts';
import type { ClassMover } from '../class-moves';
import type { JobScratch } from '../job-scratch';
import type { ProviderModule } from '../provider-module';
import type { RemoteImport } from '../remote-import';
import type { InboxReader } from '../webhook-intake';
import { type ZoomAccount, zoomAccount, zoomAccountSpec } from './account';
import { zoomEvents } from './events';
import { zoomFiles } from './files';
import { zoomHooks } from './hooks';
import { zoomImportJobs } from './import-jobs';
import { zoomSync } from './sync';

export interface ZoomModuleDeps {
  api: ZoomApi;
  accounts: Pick<ProviderAccounts, 'load'>;
  readInbox: InboxReader;
  remoteImport: RemoteImport;
  liveClassesRepo: Pick<LiveClassRepository, 'getByProviderMeeting' | 'get' | 'update'>;
  liveClasses: ClassMover;
  recordings: Pick<RecordingService, 'recordFailedImport' | 'attachCaptions' | 'softDelete' | 'restore'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  queue: Pick<JobQueue, 'enqueue' | 'describe'>;
  clock: Clock;
  logger: Logger;
  /** Where downloads are streamed before they move into storage; one folder per job, removed when it ends. */
  scratch: JobScratch;
}

/** Zoom on the provider path: Server-to-Server OAuth accounts, meetings with cloud recording, signed webhooks, imports. */
export function createZoomModule(deps: ZoomModuleDeps): ProviderModule & { sync: ReturnType<typeof zoomSync> } {
  const log = deps.logger.child({ provider: 'zoom' });
  const loadAccount = async (id: string): Promise<ZoomAccount | null> => {
    const account = await deps.accounts.load('zoom', id);
    return account ? zoomAccount(account) : null;
  };
  /** The Aula class of a Zoom meeting, when it was made through this account and still exists. */
  const classFor = async (account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null> => {
    const cls = await deps.liveClassesRepo.getByProviderMeeting('zoom', meetingId);
    return cls && !cls.deletedAt && cls.providerAccountId === account.id ? cls : null;
  };
  const files = zoomFiles({ api: deps.api, readInbox: deps.readInbox, log });
  const jobs = zoomImportJobs({
    files, remoteImport: deps.remoteImport, loadAccount, classFor, recordings: deps.recordings, recordingsRepo: deps.recordingsRepo, queue: deps.queue,
    scratch: deps.scratch, clock: deps.clock, log,
  });
  const dispatch = zoomEvents({ jobs, classFor, liveClasses: deps.liveClasses, liveClassesRepo: deps.liveClassesRepo, recordings: deps.recordings, recordingsRepo: deps.recordingsRepo, log });

  return {
    name: 'zoom',
    label: 'Zoom',
    accounts: zoomAccountSpec(deps.api),
    hooks: zoomHooks({ api: deps.api, loadAccount, liveClassesRepo: deps.liveClassesRepo, clock: deps.clock, log }),
    webhooks: {
      verify(account, request, nowMs) {
        const check = verifyZoomSignature({
          secretToken: zoomAccount(account).webhookSecretToken, timestamp: request.headers['x-zm-request-timestamp'], signature: request.headers['x-zm-signature'], rawBody: request.rawBody, nowMs,
        });
        if (check.ok) return null;
        if (check.reason === 'missing_headers') return { reason: 'missing_signature', message: 'Missing or malformed x-zm-signature / x-zm-request-timestamp headers' };
        if (check.reason === 'stale_timestamp') return { reason: 'stale', message: 'x-zm-request-timestamp is more than 5 minutes away from Aula\'s clock; the event is refused' };
        return { reason: 'bad_signature', message: 'x-zm-signature does not match the webhook secret token of this Zoom account' };
      },
      interpret(account, rawBody) {
        const parsed = parseZoomEvent(JSON.parse(rawBody.toString('utf8')) as unknown);
        if (parsed.kind === 'invalid') return parsed;
        if (parsed.kind === 'ignored') return { kind: 'ignored', detail: `Aula does not use ${parsed.event} events` };
        const event = parsed.event;
        if (event.event === 'endpoint.url_validation') return { kind: 'answer', body: zoomUrlValidationAnswer(zoomAccount(account).webhookSecretToken, event.payload.plainToken) };
        if (event.payload.account_id && event.payload.account_id !== zoomAccount(account).accountId) return { kind: 'ignored', detail: 'the event is for another Zoom account' };
        return { kind: 'event', deliveryId: zoomDeliveryId(event), eventType: event.event };
      },
      async handle(account, rawBody, delivery) {
        const parsed = parseZoomEvent(JSON.parse(rawBody.toString('utf8')) as unknown);
        if (parsed.kind !== 'event' || parsed.event.event === 'endpoint.url_validation') return { ignored: 'not an event Aula acts on' };
        return dispatch(zoomAccount(account), parsed.event, delivery.inboxId);
      },
    },
    jobs: { 'zoom.import-recording': jobs.importRecording, 'zoom.import-captions': jobs.importCaptions },
    sync: zoomSync({ api: deps.api, loadAccount, classFor, recordingsRepo: deps.recordingsRepo, jobs, clock: deps.clock, log }),
  };
}
