import type { Logger } from 'pino';
import { isoNow, type Clock } from '../../adapters/clock';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import type { Principal } from '../../domain/identity';
import { Conflict, NotFound, Unprocessable } from '../../domain/errors';
import { type RecordingTrim, trimOutputFolder, validTrimWindow } from '../../domain/media/trim';
import { recordingLayout } from '../../domain/media/recording-layout';
import type { JobQueue } from '../../jobs/queue';
import type { TrimmableRecording, TrimRepository } from './ports';

export interface TrimServiceDeps {
  repo: TrimRepository;
  access: { assertCanManage(viewer: Principal, batchId: string): Promise<void> };
  liveClassBatch(liveClassId: string): Promise<string | null>;
  storage: Pick<MediaStorage, 'deletePrefix'>;
  /** Tells followers of the recording (consoles, playback's cache) that it changed. */
  announce(recordingId: string): Promise<void>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
}

/** The job key of a recording's precise cut: one at a time per recording. */
export const trimJobKey = (recordingId: string) => `trim-recording:${recordingId}`;

/**
 * Staff trim a ready recording: the window is kept at once (playback serves the quick cut from then on), the
 * precise cut follows as a job, and an undo puts the untrimmed recording back at once. Windows are always on the
 * untrimmed timeline, so a second trim replaces the first rather than cutting the cut.
 */
export function createTrimService(deps: TrimServiceDeps) {
  async function load(viewer: Principal, id: string): Promise<TrimmableRecording> {
    const rec = await deps.repo.get(id);
    if (!rec) throw new NotFound('Recording', id);
    const batchId = await deps.liveClassBatch(rec.liveClassId);
    if (!batchId) throw new NotFound('Recording', id);
    await deps.access.assertCanManage(viewer, batchId);
    return rec;
  }

  /** Outputs of an earlier cut, left behind by a new trim or an undo. */
  async function dropCutOutputs(recordingId: string, trim: RecordingTrim | null): Promise<void> {
    if (!trim) return;
    await deps.storage.deletePrefix(recordingLayout(recordingId, trimOutputFolder(trim.version)).prefix).catch((err: unknown) => deps.logger.warn({ err, recordingId }, 'could not remove the outputs of an earlier trim'));
  }

  /**
   * Puts `next` in place of the recording's trim, compare-and-set: a trim whose cut was done gave the recording its
   * cut's media, so the original (kept in the trim, in the same shape) comes back with it. The earlier cut's outputs go.
   */
  async function replaceTrim(rec: TrimmableRecording, next: RecordingTrim | null): Promise<TrimmableRecording> {
    const swap = rec.trim?.state === 'done' ? { swap: rec.trim.original } : {};
    if (!(await deps.repo.saveTrim(rec.id, rec.trim, { trim: next, ...swap }, isoNow(deps.clock)))) {
      throw new Conflict(`Recording ${rec.id} was trimmed by someone else meanwhile; reload and try again`);
    }
    await deps.announce(rec.id);
    await dropCutOutputs(rec.id, rec.trim);
    return (await deps.repo.get(rec.id))!;
  }

  return {
    async set(viewer: Principal, id: string, requested: { startSeconds: number; endSeconds?: number | null | undefined }): Promise<TrimmableRecording> {
      const rec = await load(viewer, id);
      if (rec.status !== 'ready' || !rec.media || !rec.sourceKey) throw new Conflict(`Recording ${id} can be trimmed once it is ready; it is '${rec.status}'`);
      const original = rec.trim?.original ?? { media: rec.media, durationSeconds: rec.durationSeconds, chatKey: rec.chatKey, captionsKey: rec.captionsKey };
      if (original.durationSeconds === null) throw new Unprocessable(`Recording ${id} has no known length to trim`);
      const window = validTrimWindow(requested, original.durationSeconds);
      // A window that keeps everything is no trim at all.
      if (!window) return rec.trim ? replaceTrim(rec, null) : rec;
      const next: RecordingTrim = { ...window, state: 'cutting', version: (rec.trim?.version ?? 0) + 1, error: null, original };
      const updated = await replaceTrim(rec, next);
      await deps.queue.enqueue('trim-recording', { recordingId: id }, { dedupeKey: `${trimJobKey(id)}:${next.version}` });
      return updated;
    },

    async undo(viewer: Principal, id: string): Promise<TrimmableRecording> {
      const rec = await load(viewer, id);
      return rec.trim ? replaceTrim(rec, null) : rec;
    },
  };
}

export type TrimService = ReturnType<typeof createTrimService>;
