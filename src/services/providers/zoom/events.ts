import type { Logger } from 'pino';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import { groupZoomSegments, type ZoomEvent, zoomTranscripts } from '../../../domain/providers/zoom/webhook';
import type { RecordingService } from '../../recordings';
import { moveClassQuietly, type ClassMover } from '../class-moves';
import type { ZoomAccount } from './account';
import { zoomDeletions } from './deletions';
import type { ZoomImportJobs } from './import-jobs';
import { ACTOR } from './refs';

export type ZoomAction = Exclude<ZoomEvent, { event: 'endpoint.url_validation' }>;

export interface ZoomEventsDeps {
  jobs: Pick<ZoomImportJobs, 'enqueueImport' | 'enqueueCaptions'>;
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  recordings: Pick<RecordingService, 'recordFailedImport' | 'softDelete' | 'restore'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  log: Logger;
}

/** What each Zoom event does in Aula: quick database work and jobs; downloads happen in the jobs. */
export function zoomEvents(deps: ZoomEventsDeps) {
  const { jobs } = deps;
  const { trashed, recovered } = zoomDeletions(deps);

  return async function dispatch(account: ZoomAccount, event: ZoomAction, inboxId: string): Promise<Record<string, unknown>> {
    switch (event.event) {
      case 'meeting.started':
      case 'meeting.ended': {
        const cls = await deps.classFor(account, event.payload.object.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        return moveClassQuietly(deps.liveClasses, ACTOR, cls, event.event === 'meeting.started' ? 'live' : 'ended');
      }
      case 'recording.completed': {
        const cls = await deps.classFor(account, event.payload.object.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        const segments = groupZoomSegments(event.payload.object.recording_files);
        if (segments.length === 0) return { liveClassId: cls.id, ignored: 'the event lists no finished MP4 or M4A file' };
        for (const segment of segments) await jobs.enqueueImport(account.id, event.payload.object, segment.media.id, event.download_token ? inboxId : null);
        return { liveClassId: cls.id, segments: segments.length };
      }
      case 'recording.transcript_completed': {
        const recording = event.payload.object;
        const cls = await deps.classFor(account, recording.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        const transcripts = zoomTranscripts(recording.recording_files);
        if (transcripts.length === 0) return { liveClassId: cls.id, ignored: 'the event lists no finished transcript' };
        // Zoom's event may list only the transcript; its segment is then found through the API by the job.
        const segments = groupZoomSegments(recording.recording_files);
        for (const transcript of transcripts) {
          const segment = segments.find((s) => s.transcript?.id === transcript.id);
          await jobs.enqueueCaptions(account.id, recording, transcript.id, segment && event.download_token ? inboxId : null);
        }
        return { liveClassId: cls.id, transcripts: transcripts.length };
      }
      case 'recording.trashed':
      case 'recording.deleted':
        return trashed(account, event);
      case 'recording.recovered':
        return recovered(account, event.payload.object);
    }
  };
}
