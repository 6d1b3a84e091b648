import type { RecordingTrim, TrimWrite } from '../../../domain/media/trim';
import type { Db } from '../database';

/** A recording's trim, written compare-and-set on the trim as it was read, with the media it swaps in one update. */
export function createTrimQueries(db: Db) {
  return {
    async saveTrim(id: string, expected: RecordingTrim | null, write: TrimWrite, now: string): Promise<boolean> {
      const swap = write.swap;
      let q = db
        .updateTable('recordings')
        .set({
          trim: write.trim ? JSON.stringify(write.trim) : null,
          updated_at: now,
          ...(swap && { media: swap.media ? JSON.stringify(swap.media) : null, duration_seconds: swap.durationSeconds, chat_key: swap.chatKey, captions_key: swap.captionsKey }),
        })
        .where('id', '=', id);
      q = expected === null ? q.where('trim', 'is', null) : q.where('trim', '=', JSON.stringify(expected));
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}
