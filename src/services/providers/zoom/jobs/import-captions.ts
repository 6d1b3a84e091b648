import type { Logger } from 'pino';
import type { LiveClassRecord } from '../../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../../adapters/db/recording-repository';
import type { JobHandler, JobQueue } from '../../../../jobs/queue';
import type { RecordingService } from '../../../recordings';
import type { JobScratch } from '../../job-scratch';
import type { ZoomAccount } from '../account';
import type { ZoomFiles } from '../files';
import { externalRefOf, importJobKey } from '../refs';
import { honouringRetryAfter } from './retry-after';

/** A captions job comes back later: the recording its transcript belongs to is still being imported or processed. */
class WaitingForRecording extends Error {
  override name = 'WaitingForRecording';
}

export interface ImportCaptionsDeps {
  files: ZoomFiles;
  loadAccount(id: string): Promise<ZoomAccount | null>;
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  /** Queues the import of a segment whose recording.completed is late or lost. */
  enqueueImport(accountId: string, meeting: { id: string; uuid: string }, recordingFileId: string, inboxId: string | null): Promise<void>;
  recordings: Pick<RecordingService, 'attachCaptions'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  /** `describe` tells a captions job whether the import of its recording is still on its way. */
  queue: Pick<JobQueue, 'describe'>;
  scratch: JobScratch;
  log: Logger;
}

/** `zoom.import-captions`: Zoom's transcript of a segment, attached as captions once its recording is processed. */
export function importCaptionsJob(deps: ImportCaptionsDeps): JobHandler<'zoom.import-captions'> {
  const { files, log } = deps;

  /** The import of this Zoom file is queued or running: its Aula recording does not exist yet, or is being made. */
  async function importOnItsWay(recordingFileId: string): Promise<boolean> {
    const job = await deps.queue.describe(importJobKey(recordingFileId));
    return job?.status === 'queued' || job?.status === 'running';
  }

  return honouringRetryAfter({
    async run(data, jobCtx) {
      const account = await deps.loadAccount(data.accountId);
      if (!account) return { outcome: 'skipped', detail: 'the Zoom account was removed' };
      const cls = await deps.classFor(account, data.meetingId);
      if (!cls) return { outcome: 'skipped', detail: 'no Aula class uses this meeting any more' };
      const ctx = { liveClassId: cls.id, meetingUuid: data.meetingUuid, transcriptFileId: data.transcriptFileId, jobId: jobCtx.jobId, attempt: jobCtx.attempt };

      // Matched as the import matches its chat and transcript: by meeting instance, then by recording_start.
      const resolved = await files.resolveSegment(account, data.meetingUuid, (s) => s.transcript?.id === data.transcriptFileId, jobCtx.attempt === 1 ? data.inboxId : null);
      if ('gone' in resolved) return { outcome: 'skipped', detail: `${resolved.gone}; the import of its media takes the transcript when Zoom lists both` };
      const { segment } = resolved;
      const transcript = segment.transcript;
      if (transcript?.id !== data.transcriptFileId) return { outcome: 'skipped', detail: 'Zoom no longer lists this transcript' };

      // The queue is asked before the recording: an import that finishes in between is then seen by the second read.
      if (await importOnItsWay(segment.media.id)) throw new WaitingForRecording(`the import of Zoom file ${segment.media.id} is still queued or running`);
      const rec = await deps.recordingsRepo.getByExternalRef(externalRefOf(segment.media.id));
      if (!rec) {
        // Its recording.completed is late or lost: import the segment now, transcript included, and check back.
        await deps.enqueueImport(account.id, { id: data.meetingId, uuid: data.meetingUuid }, segment.media.id, jobCtx.attempt === 1 ? data.inboxId : null);
        throw new WaitingForRecording(`the import of Zoom file ${segment.media.id} was queued with its transcript`);
      }
      if (rec.captionsKey) return { outcome: 'skipped', detail: `recording ${rec.id} already has captions` };
      if (rec.purgedAt) return { outcome: 'skipped', detail: `recording ${rec.id} was deleted and purged` };
      // The pipeline rewrites the media it publishes while it runs; captions are attached once it has finished.
      if (rec.status === 'processing' || (rec.status === 'ready' && rec.progress?.stage !== 'done')) throw new WaitingForRecording(`recording ${rec.id} is still being processed`);

      return deps.scratch(jobCtx.jobId, async (dir) => {
        const vtt = await files.captionsFrom(transcript, resolved.token, dir, jobCtx.attempt >= jobCtx.maxAttempts, jobCtx.signal, { ...ctx, recordingId: rec.id });
        if (!vtt) return { outcome: 'done' as const, detail: `Zoom's transcript could not be used; recording ${rec.id} has no captions` };
        await deps.recordings.attachCaptions(rec.id, vtt);
        log.info({ ...ctx, recordingId: rec.id }, 'attached Zoom\'s transcript as captions');
        return { outcome: 'done' as const, detail: `captions attached to recording ${rec.id}` };
      });
    },

    async onExhausted(data, error) {
      log.warn({ accountId: data.accountId, meetingUuid: data.meetingUuid, transcriptFileId: data.transcriptFileId, err: error.message }, 'gave up attaching Zoom\'s transcript; a Zoom sync does not add it to a recording already imported');
    },
  });
}
