import type { Logger } from 'pino';
import type { RecordingRecord, RecordingRepository } from '../../adapters/db/recording-repository';
import type { Actor, RecordingService } from '../recordings';

/** Chat transcript (JSON lines) and captions (WebVTT) fetched beside a provider's media. */
export interface FetchedSidecars {
  chatLocalPath?: string;
  captionsLocalPath?: string;
}

/** Where a provider's recording goes in Aula: its class, title, start, and the external reference that keeps it single. */
export interface RemoteRecordingTarget {
  liveClassId: string;
  externalRef: string;
  title: string;
  startedAt: string;
  source: RecordingRecord['source'];
  actor: Actor;
}

export interface RemoteImportDeps {
  recordings: Pick<RecordingService, 'createFromFile' | 'recordFailedImport' | 'completeFailedImport'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  log: Logger;
}

export type ImportDecision = { skip: string } | { healing: RecordingRecord | null };

/**
 * Shared rules of every provider import: what is deleted (at the provider or in Aula) stays deleted, what is imported
 * is not imported again, and a failed import without media is healed by the next import of the same file.
 */
export function createRemoteImport(deps: RemoteImportDeps) {
  const { recordings, recordingsRepo } = deps;

  async function decide(externalRef: string): Promise<ImportDecision> {
    const existing = await recordingsRepo.getByExternalRef(externalRef);
    if (existing?.status === 'deleted') return { skip: `recording ${existing.id} is deleted (at the provider or in Aula); not imported` };
    if (existing && !(existing.status === 'failed' && !existing.sourceKey)) return { skip: `already imported as recording ${existing.id}` };
    return { healing: existing ?? null };
  }

  /** A file that could not be fetched: staff see why; a recording already failing keeps its reason. */
  async function recordFailure(target: RemoteRecordingTarget, healing: RecordingRecord | null, reason: string, sidecars?: FetchedSidecars): Promise<string> {
    if (healing) return `still failing: ${reason}`;
    const failed = await recordings.recordFailedImport(target.actor, target.liveClassId, {
      title: target.title, startedAt: target.startedAt, externalRef: target.externalRef, source: target.source, reason, sidecars,
    });
    deps.log.warn({ liveClassId: target.liveClassId, externalRef: target.externalRef, recordingId: failed.id, reason }, 'provider recording could not be imported');
    return `failed: ${reason}`;
  }

  /** A fetched file becomes the recording (or heals the failed one); a deletion or a parallel import meanwhile wins. */
  async function ingest(target: RemoteRecordingTarget, healing: RecordingRecord | null, file: { localPath: string; sizeBytes: number; fileName: string; sidecars: FetchedSidecars }): Promise<{ outcome: 'done' | 'skipped'; detail: string }> {
    if (healing) {
      try {
        await recordings.completeFailedImport(target.actor, healing.id, file);
      } catch (err) {
        if ((await recordingsRepo.getByExternalRef(target.externalRef))?.status === 'deleted') return { outcome: 'skipped', detail: `recording ${healing.id} was deleted meanwhile` };
        throw err;
      }
      return { outcome: 'done', detail: `imported into recording ${healing.id}` };
    }
    const meanwhile = await recordingsRepo.getByExternalRef(target.externalRef);
    if (meanwhile) return { outcome: 'skipped', detail: `recording ${meanwhile.id} was made meanwhile (${meanwhile.status})` };
    let rec: RecordingRecord;
    try {
      rec = await recordings.createFromFile(target.actor, target.liveClassId, {
        title: target.title, localPath: file.localPath, sizeBytes: file.sizeBytes, fileName: file.fileName, startedAt: target.startedAt,
        externalRef: target.externalRef, source: target.source, sidecars: file.sidecars,
      });
    } catch (err) {
      // The external reference is unique: whoever stored theirs first keeps it, and this file is not kept.
      const other = await recordingsRepo.getByExternalRef(target.externalRef);
      if (other) return { outcome: 'skipped', detail: `recording ${other.id} was made meanwhile (${other.status})` };
      throw err;
    }
    deps.log.info({ liveClassId: target.liveClassId, externalRef: target.externalRef, recordingId: rec.id, bytes: file.sizeBytes }, 'imported provider recording');
    return { outcome: 'done', detail: `imported as recording ${rec.id}` };
  }

  return { decide, recordFailure, ingest };
}

export type RemoteImport = ReturnType<typeof createRemoteImport>;
