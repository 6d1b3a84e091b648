import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { CloudflareApi } from '../../../adapters/providers/cloudflare-api';
import type { JobQueue } from '../../../jobs/queue';
import type { ProviderCapture, RecordingService } from '../../recordings';
import type { JobScratch } from '../job-scratch';
import type { RemoteImport } from '../remote-import';
import type { InboxReader } from '../webhook-intake';
import type { CloudflareAccount } from './account';
import { importRtkJob } from './jobs/import-rtk';
import { startRecordingJob } from './jobs/start-recording';
import { stopRecordingJob } from './jobs/stop-recording';
import { RTK_IMPORT_MAX_ATTEMPTS, RTK_START_MAX_ATTEMPTS } from './refs';
import { rtkContext } from './rtk-context';

/** Recordings of RealtimeKit classes started by hand: told to RealtimeKit by jobs. Built before the recording service. */
export function cloudflareCapture(queue: Pick<JobQueue, 'enqueue'>): ProviderCapture {
  return {
    async started(rec) {
      await queue.enqueue('cloudflare.start-recording', { recordingId: rec.id }, { dedupeKey: `cloudflare-start:${rec.id}`, maxAttempts: RTK_START_MAX_ATTEMPTS });
    },
    async stopping(rec) {
      await queue.enqueue('cloudflare.stop-recording', { recordingId: rec.id }, { dedupeKey: `cloudflare-stop:${rec.id}` });
    },
  };
}

export interface RtkJobsDeps {
  api: CloudflareApi;
  loadAccount(id: string): Promise<CloudflareAccount | null>;
  readInbox: InboxReader;
  remoteImport: RemoteImport;
  recordings: Pick<RecordingService, 'transition' | 'receiveCapturedFile'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'getByExternalRef' | 'getProviderState' | 'swapProviderState'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'getByProviderMeeting'>;
  scratch: JobScratch;
  maxDownloadBytes: number;
  clock: Clock;
  log: Logger;
}

/** Starting, stopping and importing the recordings of RealtimeKit meetings. */
export function rtkJobs(deps: RtkJobsDeps) {
  const rtk = rtkContext(deps);
  const stopRecording = stopRecordingJob(deps, rtk);
  return {
    startRecording: startRecordingJob(deps, rtk, stopRecording),
    stopRecording,
    importRecording: importRtkJob(deps, rtk),
    fail: rtk.fail,
    importMaxAttempts: RTK_IMPORT_MAX_ATTEMPTS,
  };
}

export type RtkJobs = ReturnType<typeof rtkJobs>;
