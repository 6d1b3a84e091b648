import type { RecordingTrim } from '../../domain/media/trim';
import { type RecordingMedia, recordingPrefix } from '../../domain/recording-media';
import type { PlaybackServiceDeps } from './types';

interface CachedRecording {
  status: string;
  title: string;
  media: RecordingMedia | null;
  trim: RecordingTrim | null;
  batchId: string;
  fetchedAt: number;
}

const CACHE_MS = 2_000;

/** What every media request needs of its recording, kept for a moment and dropped as soon as the recording changes. */
export function createRecordingStates(deps: Pick<PlaybackServiceDeps, 'recordings' | 'feed' | 'mediaCache'>) {
  const cache = new Map<string, CachedRecording>();
  // Status changes (a deletion above all) reach every media request at once, not after the cache expires;
  // reprocessing changes the status too, so cached bytes of the old output go with it.
  const unsubscribe = deps.feed.subscribe((change) => {
    if (change.kind !== 'recording') return;
    cache.delete(change.recordingId);
    deps.mediaCache?.invalidatePrefix(recordingPrefix(change.recordingId));
  });

  async function recordingState(id: string): Promise<CachedRecording | null> {
    const hit = cache.get(id);
    const now = Date.now();
    if (hit && now - hit.fetchedAt < CACHE_MS) return hit;
    const row = await deps.recordings.getForAccess(id);
    if (!row) {
      cache.delete(id);
      return null;
    }
    const entry: CachedRecording = { status: row.status, title: row.title, media: row.media ? (JSON.parse(row.media) as RecordingMedia) : null, trim: row.trim ? (JSON.parse(row.trim) as RecordingTrim) : null, batchId: row.batchId, fetchedAt: now };
    if (cache.size > 10_000) cache.clear();
    cache.set(id, entry);
    return entry;
  }

  return { recordingState, close: unsubscribe };
}
