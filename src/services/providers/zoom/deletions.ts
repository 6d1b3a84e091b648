import type { Logger } from 'pino';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../../adapters/db/recording-repository';
import { DomainError } from '../../../domain/errors';
import { groupZoomSegments, type ZoomRecordingObject, type ZoomSegment } from '../../../domain/providers/zoom/webhook';
import type { RecordingService } from '../../recordings';
import type { ZoomAccount } from './account';
import type { ZoomAction } from './events';
import { describeSegment, segmentTitle } from './files';
import type { ZoomImportJobs } from './import-jobs';
import { ACTOR, externalRefOf } from './refs';

export interface ZoomDeletionsDeps {
  jobs: Pick<ZoomImportJobs, 'enqueueImport'>;
  classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null>;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  recordings: Pick<RecordingService, 'recordFailedImport' | 'softDelete' | 'restore'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  log: Logger;
}

/** Zoom's trash and recovery mirrored in Aula: imported recordings follow, and imports on their way are stopped or resumed. */
export function zoomDeletions(deps: ZoomDeletionsDeps) {
  const { jobs, log } = deps;

  /** False when the recording is already deleted (Zoom's events repeat). */
  async function softDeleteQuietly(recordingId: string, reason: string): Promise<boolean> {
    try {
      await deps.recordings.softDelete(ACTOR, recordingId, reason);
      return true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return false;
    }
  }

  /**
   * The Aula recording of a segment Zoom trashed before Aula imported it: kept as deleted, so an import still queued
   * or running finds it and stops, and staff see why. Restored (`recording.recovered`), it is a failed import that
   * the next import of the segment completes.
   */
  async function recordDeletedBeforeImport(cls: LiveClassRecord, segment: ZoomSegment, reason: string): Promise<boolean> {
    const externalRef = externalRefOf(segment.media.id);
    let recordingId: string;
    try {
      recordingId = (await deps.recordings.recordFailedImport(ACTOR, cls.id, {
        title: segmentTitle(cls, segment), startedAt: segment.start, externalRef, source: 'zoom',
        reason: `The ${describeSegment(segment)} was ${reason} before Aula imported it.`,
      })).id;
    } catch (err) {
      // The import stored its recording first (the external reference is unique): that one is deleted instead.
      const imported = await deps.recordingsRepo.getByExternalRef(externalRef);
      if (!imported) throw err;
      recordingId = imported.id;
    }
    return softDeleteQuietly(recordingId, reason);
  }

  /** Aula recordings imported from these Zoom files through this account. */
  async function importedFrom(account: ZoomAccount, object: ZoomRecordingObject): Promise<RecordingRecord[]> {
    const found: RecordingRecord[] = [];
    for (const f of object.recording_files) {
      if (!f.id) continue;
      const rec = await deps.recordingsRepo.getByExternalRef(externalRefOf(f.id));
      if (!rec) continue;
      const cls = await deps.liveClassesRepo.get(rec.liveClassId);
      if (cls?.providerAccountId === account.id) found.push(rec);
    }
    return found;
  }

  async function trashed(account: ZoomAccount, event: Extract<ZoomAction, { event: 'recording.trashed' | 'recording.deleted' }>) {
    const recording = event.payload.object;
    const reason = `${event.event === 'recording.trashed' ? 'moved to the trash' : 'deleted'} in Zoom`;
    let deleted = 0;
    for (const rec of await importedFrom(account, recording)) {
      if (rec.status !== 'deleted' && (await softDeleteQuietly(rec.id, reason))) deleted++;
    }
    // Segments not in Aula yet, whose import may be queued or running: the deletion must win over it.
    const cls = await deps.classFor(account, recording.id);
    if (cls) {
      for (const segment of groupZoomSegments(recording.recording_files)) {
        if (await deps.recordingsRepo.getByExternalRef(externalRefOf(segment.media.id))) continue;
        if (await recordDeletedBeforeImport(cls, segment, reason)) deleted++;
      }
    }
    return { deleted };
  }

  async function recovered(account: ZoomAccount, recording: ZoomRecordingObject) {
    let restored = 0;
    for (const rec of await importedFrom(account, recording)) {
      if (rec.status !== 'deleted') continue;
      try {
        await deps.recordings.restore(ACTOR, rec.id);
        restored++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        log.warn({ recordingId: rec.id, reason: err.message }, 'could not restore a recording Zoom recovered');
      }
    }
    // Recordings trashed before their import finished come back without media: import them now.
    let reimporting = 0;
    if (await deps.classFor(account, recording.id)) {
      for (const segment of groupZoomSegments(recording.recording_files)) {
        const rec = await deps.recordingsRepo.getByExternalRef(externalRefOf(segment.media.id));
        if (rec?.status !== 'failed' || rec.sourceKey) continue;
        await jobs.enqueueImport(account.id, recording, segment.media.id, null);
        reimporting++;
      }
    }
    return { restored, reimporting };
  }

  return { trashed, recovered };
}
