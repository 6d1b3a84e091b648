import type { WatchAnalyticsDeps } from './types';

export interface WatchedRecordingInfo {
  batchId: string;
  duration: number | null;
  status: string;
  at: number;
}

/** A recording's batch, length and state, remembered for a few seconds: every heartbeat needs them. */
export function createRecordingInfo(deps: Pick<WatchAnalyticsDeps, 'recordings'>) {
  const cache = new Map<string, WatchedRecordingInfo>();

  async function infoOf(recordingId: string): Promise<WatchedRecordingInfo | null> {
    const hit = cache.get(recordingId);
    if (hit && Date.now() - hit.at < 5_000) return hit;
    const row = await deps.recordings.getForAccess(recordingId);
    if (!row) return null;
    const info = { batchId: row.batchId, duration: row.durationSeconds, status: row.status, at: Date.now() };
    cache.set(recordingId, info);
    return info;
  }

  return {
    infoOf,
    /** The length last seen, without loading (the batch writer loads what it misses first). */
    knownDuration: (recordingId: string) => cache.get(recordingId)?.duration ?? null,
    known: (recordingId: string) => cache.has(recordingId),
  };
}

export type RecordingInfo = ReturnType<typeof createRecordingInfo>;
