import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import { ZoomApiError } from '../../../domain/providers/zoom/api-error';
import { type JobCatalogue, type JobHandler, type JobName, type JobQueue, RetryLater } from '../../../jobs/catalogue';
import type { RecordingService } from '../../recordings';
import type { RemoteImport, RemoteRecordingTarget } from '../remote-import';
import type { ZoomAccount } from './account';
import { describeSegment, segmentTitle, type ZoomFiles } from './files';
import { inJobScratch } from '../../../adapters/scratch';

export const ACTOR = 'provider:zoom' as const;
/** Attempts of an import job: with the default 5 s backoff the last one runs about 40 minutes after the first. */
export const IMPORT_MAX_ATTEMPTS = 10;
/**
 * Attempts of a captions job. It waits, by backoff, for its segment to be imported and processed, which may queue
 * behind long media jobs: with the default 5 s backoff the last attempt runs about 11 hours after the first.
 */
export const CAPTIONS_MAX_ATTEMPTS = 14;
/** A longer `Retry-After` (a broken header) is not waited for in full. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export const importJobKey = (recordingFileId: string) => `zoom-import:${recordingFileId}`;
export const captionsJobKey = (transcriptFileId: string) => `zoom-captions:${transcriptFileId}`;
export const externalRefOf = (recordingFileId: string) => `zoom:${recordingFileId}`;

/** A captions job comes back later: the recording its transcript belongs to is still being imported or processed. */
class WaitingForRecording extends Error {
  override name = 'WaitingForRecording';
}

/** Zoom said when to come back (429 with `Retry-After`): the job's next attempt waits at least that long. */
function honouringRetryAfter<N extends JobName>(handler: JobHandler<N>): JobHandler<N> {
  return {
    ...handler,
    async run(data, ctx) {
      try {
        return await handler.run(data, ctx);
      } catch (err) {
        if (err instanceof ZoomApiError && err.kind === 'rate_limited' && err.retryAfterMs !== null) {
          throw new RetryLater(Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS), err.message, { cause: err });
        }
        throw err;
      }
    },
  };
}

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
  scratchDir: string;
  clock: Clock;
  log: Logger;
}


export function zoomImportJobs(deps: ZoomImportJobsDeps) {
  const { files, remoteImport, clock, log } = deps;

  async function enqueueImport(accountId: string, meeting: { id: string; uuid: string }, recordingFileId: string, inboxId: string | null) {
    const data: JobCatalogue['zoom.import-recording'] = { accountId, meetingId: meeting.id, meetingUuid: meeting.uuid, recordingFileId, inboxId };
    await deps.queue.enqueue('zoom.import-recording', data, { dedupeKey: importJobKey(recordingFileId), maxAttempts: IMPORT_MAX_ATTEMPTS });
  }

  async function enqueueCaptions(accountId: string, meeting: { id: string; uuid: string }, transcriptFileId: string, inboxId: string | null) {
    const data: JobCatalogue['zoom.import-captions'] = { accountId, meetingId: meeting.id, meetingUuid: meeting.uuid, transcriptFileId, inboxId };
    await deps.queue.enqueue('zoom.import-captions', data, { dedupeKey: captionsJobKey(transcriptFileId), maxAttempts: CAPTIONS_MAX_ATTEMPTS });
  }

  const importRecording: JobHandler<'zoom.import-recording'> = honouringRetryAfter({
    async run(data, jobCtx) {
      const externalRef = externalRefOf(data.recordingFileId);
      const decision = await remoteImport.decide(externalRef);
      if ('skip' in decision) return { outcome: 'skipped', detail: decision.skip };
      const { healing } = decision;
      const account = await deps.loadAccount(data.accountId);
      if (!account) return { outcome: 'skipped', detail: 'the Zoom account was removed' };
      const cls = await deps.classFor(account, data.meetingId);
      if (!cls) return { outcome: 'skipped', detail: 'no Aula class uses this meeting any more' };
      const ctx = { liveClassId: cls.id, meetingUuid: data.meetingUuid, fileId: data.recordingFileId, jobId: jobCtx.jobId, attempt: jobCtx.attempt };
      const inboxId = jobCtx.attempt === 1 ? data.inboxId : null;

      let resolved: Awaited<ReturnType<ZoomFiles['resolveSegment']>>;
      try {
        resolved = await files.resolveSegment(account, data.meetingUuid, (s) => s.media.id === data.recordingFileId, inboxId);
      } catch (err) {
        if (!(err instanceof ZoomApiError) || err.retryable || healing) throw err;
        const reason = `Zoom refused to list this recording's files (${err.message}). Run a Zoom sync covering that day to try again.`;
        const known = await files.delivered(data.inboxId, (s) => s.media.id === data.recordingFileId);
        await deps.recordings.recordFailedImport(ACTOR, cls.id, {
          title: known ? segmentTitle(cls, known.segment) : cls.title, startedAt: known?.segment.start ?? isoNow(clock), externalRef, source: 'zoom', reason,
        });
        return { outcome: 'done', detail: `failed: ${reason}` };
      }
      if ('gone' in resolved) return { outcome: 'skipped', detail: resolved.gone };
      const { segment, token } = resolved;
      const target: RemoteRecordingTarget = { liveClassId: cls.id, externalRef, title: segmentTitle(cls, segment), startedAt: segment.start, source: 'zoom', actor: ACTOR };
      const last = jobCtx.attempt >= jobCtx.maxAttempts;
      return inJobScratch(deps.scratchDir, jobCtx.jobId, async (dir) => {
        const mediaPath = path.join(dir, `media.${segment.media.extension}`);
        let media: { bytes: number } | null = null;
        let permanentError: ZoomApiError | null = null;
        try {
          media = await files.download(segment.media, token, mediaPath, jobCtx.signal);
        } catch (err) {
          if (!(err instanceof ZoomApiError) || err.retryable) throw err;
          permanentError = err;
        }
        const sidecars = await files.prepareSidecars(segment, token, dir, last || permanentError !== null, jobCtx.signal, ctx);
        if (!media) {
          const why = permanentError?.kind === 'not_found' ? 'the file is not in Zoom\'s cloud (deleted, or not kept)' : 'Zoom refused the download';
          const answer = permanentError?.status ? `Zoom answered HTTP ${permanentError.status} for the ${describeSegment(segment)}: ${why}` : `${permanentError?.message ?? 'Zoom refused the download'} (the ${describeSegment(segment)})`;
          const reason = `${answer}. Any chat or captions were kept. When the file is back in Zoom, run a Zoom sync covering that day to import it.`;
          return { outcome: 'done', detail: await remoteImport.recordFailure(target, healing, reason, sidecars) };
        }
        return remoteImport.ingest(target, healing, { localPath: mediaPath, sizeBytes: media.bytes, fileName: `zoom-${segment.index}.${segment.media.extension}`, sidecars });
      });
    },

    /** Every attempt failed on something that looked passing (Zoom down, token refused): staff see why. */
    async onExhausted(data, error) {
      const externalRef = externalRefOf(data.recordingFileId);
      if (await deps.recordingsRepo.getByExternalRef(externalRef)) return;
      const account = await deps.loadAccount(data.accountId);
      const cls = account && (await deps.classFor(account, data.meetingId));
      if (!cls) return;
      const known = await files.delivered(data.inboxId, (s) => s.media.id === data.recordingFileId);
      await deps.recordings.recordFailedImport(ACTOR, cls.id, {
        title: known ? segmentTitle(cls, known.segment) : cls.title, startedAt: known?.segment.start ?? isoNow(clock), externalRef, source: 'zoom',
        reason: `Aula could not download this recording from Zoom after ${IMPORT_MAX_ATTEMPTS} attempts (last error: ${error.message}). Run a Zoom sync covering that day to try again.`,
      });
    },
  });

  /** The import of this Zoom file is queued or running: its Aula recording does not exist yet, or is being made. */
  async function importOnItsWay(recordingFileId: string): Promise<boolean> {
    const job = await deps.queue.describe(importJobKey(recordingFileId));
    return job?.status === 'queued' || job?.status === 'running';
  }

  const importCaptions: JobHandler<'zoom.import-captions'> = honouringRetryAfter({
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
        await enqueueImport(account.id, { id: data.meetingId, uuid: data.meetingUuid }, segment.media.id, jobCtx.attempt === 1 ? data.inboxId : null);
        throw new WaitingForRecording(`the import of Zoom file ${segment.media.id} was queued with its transcript`);
      }
      if (rec.captionsKey) return { outcome: 'skipped', detail: `recording ${rec.id} already has captions` };
      if (rec.purgedAt) return { outcome: 'skipped', detail: `recording ${rec.id} was deleted and purged` };
      // The pipeline rewrites the media it publishes while it runs; captions are attached once it has finished.
      if (rec.status === 'processing' || (rec.status === 'ready' && rec.progress?.stage !== 'done')) throw new WaitingForRecording(`recording ${rec.id} is still being processed`);

      return inJobScratch(deps.scratchDir, jobCtx.jobId, async (dir) => {
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

  return { enqueueImport, enqueueCaptions, importRecording, importCaptions };
}

export type ZoomImportJobs = ReturnType<typeof zoomImportJobs>;
