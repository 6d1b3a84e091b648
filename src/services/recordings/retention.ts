import { isoNow } from '../../adapters/clock';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { recordingPrefix } from '../../domain/recording-media';
import type { RecordingServiceDeps } from './types';

/** Retention: media of recordings deleted more than N days ago is removed; the row and its events stay. */
export function createRecordingRetention(deps: Pick<RecordingServiceDeps, 'recordings' | 'clock' | 'logger' | 'retentionDays' | 'purgeHosted'> & { storage: Pick<MediaStorage, 'deletePrefix'> }) {
  const { recordings, clock, logger } = deps;

  return {
    async purgeExpiredMedia(): Promise<number> {
      const before = new Date(clock.now().getTime() - deps.retentionDays * 86_400_000).toISOString();
      let purged = 0;
      for (;;) {
        const batch = await recordings.listPurgeable(before, 100);
        if (batch.length === 0) break;
        let kept = 0;
        for (const { id } of batch) {
          try {
            await deps.purgeHosted?.(id);
          } catch (err) {
            // Not marked purged: the next run tries the provider again.
            logger.warn({ err, recordingId: id }, 'could not delete a recording\'s media at its provider; retrying on the next purge');
            kept++;
            continue;
          }
          await deps.storage.deletePrefix(recordingPrefix(id));
          await recordings.markPurged(id, isoNow(clock));
          purged++;
        }
        if (kept === batch.length) break;
      }
      if (purged) logger.info({ purged, retentionDays: deps.retentionDays }, 'purged media of deleted recordings');
      return purged;
    },
  };
}
