import { isoNow, type Clock } from '../../adapters/clock';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { RecordingStatus } from '../../domain/recording-state';

/**
 * Tells everyone following a recording that it changed: consoles repaint, and playback drops what it cached of the
 * recording (a trim changes what its playlists say).
 */
export function createRecordingAnnouncer(deps: {
  recordings: { get(id: string): Promise<{ id: string; liveClassId: string; status: RecordingStatus; progress: { stage: string; percent: number } | null; processingError: string | null } | null> };
  liveClasses: { get(id: string): Promise<{ batchId: string } | null> };
  feed: Pick<ChangeFeed, 'publish'>;
  clock: Clock;
}) {
  return async function announce(recordingId: string): Promise<void> {
    const r = await deps.recordings.get(recordingId);
    const cls = r && (await deps.liveClasses.get(r.liveClassId));
    if (!r || !cls) return;
    deps.feed.publish({ kind: 'recording', recordingId, liveClassId: r.liveClassId, batchId: cls.batchId, status: r.status, progress: r.progress, processingError: r.processingError, at: isoNow(deps.clock) });
  };
}
