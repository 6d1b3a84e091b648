import path from 'node:path';
import { type Clock, isoNow } from '../../../../adapters/clock';
import type { LiveClassRecord } from '../../../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../../../adapters/db/recording-repository';
import { ZoomApiError } from '../../../../domain/providers/zoom/api-error';
import type { JobHandler } from '../../../../jobs/queue';
import type { RecordingService } from '../../../recordings';
import type { JobScratch } from '../../job-scratch';
import type { RemoteImport, RemoteRecordingTarget } from '../../remote-import';
import type { ZoomAccount } from '../account';
import { describeSegment, segmentTitle, type ZoomFiles } from '../files';
import { ACTOR, externalRefOf, IMPORT_MAX_ATTEMPTS } from '../refs';
import { honouringRetryAfter } from './retry-after';

export interface ImportRecordingDeps {
  files: ZoomFiles;
  remoteImport: RemoteImport;
  loadAccount(id: string): Promise<ZoomAccount | null>;
  /** The Aula class of a Zoom meeting made through this account, when it still exists. */
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  recordings: Pick<RecordingService, 'recordFailedImport'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  scratch: JobScratch;
  clock: Clock;
}

type ResolvedSegment = Extract<Awaited<ReturnType<ZoomFiles['resolveSegment']>>, { segment: unknown }>;
type JobContext = Parameters<JobHandler<'zoom.import-recording'>['run']>[1];

/** `zoom.import-recording`: one segment's media (and its chat and transcript) from Zoom into an Aula recording. */
export function importRecordingJob(deps: ImportRecordingDeps): JobHandler<'zoom.import-recording'> {
  const { files, remoteImport, clock } = deps;

  /** Zoom refused for good to list the files: a failed import staff can see, unless this run heals an earlier one. */
  async function recordRefusedListing(cls: LiveClassRecord, recordingFileId: string, inboxId: string | null, err: ZoomApiError) {
    const reason = `Zoom refused to list this recording's files (${err.message}). Run a Zoom sync covering that day to try again.`;
    const known = await files.delivered(inboxId, (s) => s.media.id === recordingFileId);
    await deps.recordings.recordFailedImport(ACTOR, cls.id, {
      title: known ? segmentTitle(cls, known.segment) : cls.title, startedAt: known?.segment.start ?? isoNow(clock), externalRef: externalRefOf(recordingFileId), source: 'zoom', reason,
    });
    return { outcome: 'done' as const, detail: `failed: ${reason}` };
  }

  /** Downloads the media into the job's folder and ingests it; a download Zoom refuses for good is a failed import. */
  async function download(resolved: ResolvedSegment, target: RemoteRecordingTarget, healing: RecordingRecord | null, job: JobContext, ctx: Record<string, unknown>) {
    const { segment, token } = resolved;
    const last = job.attempt >= job.maxAttempts;
    return deps.scratch(job.jobId, async (dir) => {
      const mediaPath = path.join(dir, `media.${segment.media.extension}`);
      let media: { bytes: number } | null = null;
      let permanentError: ZoomApiError | null = null;
      try {
        media = await files.download(segment.media, token, mediaPath, job.signal);
      } catch (err) {
        if (!(err instanceof ZoomApiError) || err.retryable) throw err;
        permanentError = err;
      }
      const sidecars = await files.prepareSidecars(segment, token, dir, last || permanentError !== null, job.signal, ctx);
      if (!media) {
        const why = permanentError?.kind === 'not_found' ? 'the file is not in Zoom\'s cloud (deleted, or not kept)' : 'Zoom refused the download';
        const answer = permanentError?.status ? `Zoom answered HTTP ${permanentError.status} for the ${describeSegment(segment)}: ${why}` : `${permanentError?.message ?? 'Zoom refused the download'} (the ${describeSegment(segment)})`;
        const reason = `${answer}. Any chat or captions were kept. When the file is back in Zoom, run a Zoom sync covering that day to import it.`;
        return { outcome: 'done' as const, detail: await remoteImport.recordFailure(target, healing, reason, sidecars) };
      }
      return remoteImport.ingest(target, healing, { localPath: mediaPath, sizeBytes: media.bytes, fileName: `zoom-${segment.index}.${segment.media.extension}`, sidecars });
    });
  }

  return honouringRetryAfter({
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
        return recordRefusedListing(cls, data.recordingFileId, data.inboxId, err);
      }
      if ('gone' in resolved) return { outcome: 'skipped', detail: resolved.gone };
      const target: RemoteRecordingTarget = { liveClassId: cls.id, externalRef, title: segmentTitle(cls, resolved.segment), startedAt: resolved.segment.start, source: 'zoom', actor: ACTOR };
      return download(resolved, target, healing, jobCtx, ctx);
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
}
