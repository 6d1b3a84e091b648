import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { JobCatalogue } from '../../../jobs/catalogue';
import type { JobQueue } from '../../../jobs/queue';
import type { RecordingService } from '../../recordings';
import type { JobScratch } from '../job-scratch';
import type { RemoteImport } from '../remote-import';
import type { ZoomAccount } from './account';
import type { ZoomFiles } from './files';
import { importCaptionsJob } from './jobs/import-captions';
import { importRecordingJob } from './jobs/import-recording';
import { CAPTIONS_MAX_ATTEMPTS, captionsJobKey, IMPORT_MAX_ATTEMPTS, importJobKey } from './refs';

export interface ZoomImportJobsDeps {
  files: ZoomFiles;
  remoteImport: RemoteImport;
  loadAccount(id: string): Promise<ZoomAccount | null>;
  /** The Aula class of a Zoom meeting made through this account, when it still exists. */
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  recordings: Pick<RecordingService, 'recordFailedImport' | 'attachCaptions'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  /** `describe` tells a captions job whether the import of its recording is still on its way. */
  queue: Pick<JobQueue, 'enqueue' | 'describe'>;
  /** Where downloads are streamed before they move into storage. */
  scratch: JobScratch;
  clock: Clock;
  log: Logger;
}

/** Zoom's two import jobs, and how they are queued (one job per Zoom file, deduplicated by its id). */
export function zoomImportJobs(deps: ZoomImportJobsDeps) {
  async function enqueueImport(accountId: string, meeting: { id: string; uuid: string }, recordingFileId: string, inboxId: string | null) {
    const data: JobCatalogue['zoom.import-recording'] = { accountId, meetingId: meeting.id, meetingUuid: meeting.uuid, recordingFileId, inboxId };
    await deps.queue.enqueue('zoom.import-recording', data, { dedupeKey: importJobKey(recordingFileId), maxAttempts: IMPORT_MAX_ATTEMPTS });
  }

  async function enqueueCaptions(accountId: string, meeting: { id: string; uuid: string }, transcriptFileId: string, inboxId: string | null) {
    const data: JobCatalogue['zoom.import-captions'] = { accountId, meetingId: meeting.id, meetingUuid: meeting.uuid, transcriptFileId, inboxId };
    await deps.queue.enqueue('zoom.import-captions', data, { dedupeKey: captionsJobKey(transcriptFileId), maxAttempts: CAPTIONS_MAX_ATTEMPTS });
  }

  return {
    enqueueImport,
    enqueueCaptions,
    importRecording: importRecordingJob(deps),
    importCaptions: importCaptionsJob({ ...deps, enqueueImport }),
  };
}

export type ZoomImportJobs = ReturnType<typeof zoomImportJobs>;
