import type { Logger } from 'pino';
import type { RecordingRecord, RecordingRepository } from '../../adapters/db/recording-repository';
import type { RecordingMedia, RecordingMetadata } from '../../domain/recording-media';
import type { RecordingMediaProcessor } from '../../services/media-processor';
import type { RecordingService } from '../../services/recordings';
import type { JobHandler } from '../queue';
import { errorMessage } from '../../domain/error-text';

export class NoMediaCaptured extends Error {}

/**
 * What was published before processing, from the very source it processes: a native class's rungs (served as
 * immutable while it ran) and a LiveKit egress's own HLS (playable at once). Processing adds the rest around them.
 */
function keptPublished(rec: RecordingRecord) {
  return rec.source === 'native' || rec.source === 'livekit' ? (rec.media?.renditions ?? []) : [];
}

/**
 * Sidecars attached while the job ran are kept, not overwritten: captions (a provider's transcript arriving late)
 * and a chat track published by staff meanwhile.
 */
function withCurrentSidecars(media: RecordingMedia, current: Pick<RecordingRecord, 'captionsKey' | 'media'> | null): RecordingMedia {
  const chat = current?.media?.chatVttKey && !media.chatVttKey ? { chatVttKey: current.media.chatVttKey, chatJsonKey: current.media.chatJsonKey } : {};
  return { ...media, ...chat, ...(current?.captionsKey && { captionsVttKey: current.captionsKey }) };
}

/**
 * Turns a recording's source into playable media. The recording is `ready` as soon as its first rendition
 * plays; the job keeps going until every rung, image and download is published. A rerun after a crash
 * resumes any recording whose processing had not reached `done`.
 */
export function processRecordingHandler(deps: {
  recordings: RecordingService;
  repo: Pick<RecordingRepository, 'get'>;
  processor: RecordingMediaProcessor;
  logger: Logger;
}): JobHandler<'process-recording'> {
  const { recordings, repo } = deps;

  /**
   * A failure after the first rendition was published removes what was published, so a recording already
   * `ready` is withdrawn (ready → processing) before it fails: it never points at media that is gone.
   */
  async function markFailed(recordingId: string, why: string, reason: string) {
    const current = await repo.get(recordingId);
    if (current?.status === 'ready') {
      await recordings.transition(recordingId, { to: 'processing' }, 'job', 'published media withdrawn after a later failure', { progress: null });
    }
    if (current?.status === 'ready' || current?.status === 'processing') {
      await recordings.transition(recordingId, { to: 'failed' }, 'job', why, { processingError: reason, progress: null });
    }
  }

  return {
    async run({ recordingId }, ctx) {
      const rec = await repo.get(recordingId);
      if (!rec) return { outcome: 'skipped', detail: 'recording no longer exists' };
      const unfinishedReady = rec.status === 'ready' && rec.progress?.stage !== 'done';
      if (rec.status !== 'processing' && !unfinishedReady) return { outcome: 'skipped', detail: `recording is ${rec.status}` };
      if (!rec.sourceKey) {
        await recordings.transition(recordingId, { to: 'failed' }, 'job', 'no media', {
          processingError: 'No media was captured for this recording: the provider delivered no file. Upload the file to the live class to process it.',
          progress: null,
        });
        return { outcome: 'done', detail: 'no source media' };
      }
      try {
        const result = await deps.processor.process(
          { recordingId, sourceKey: rec.sourceKey, chatKey: rec.chatKey, captionsKey: rec.captionsKey, kept: keptPublished(rec), signal: ctx.signal },
          {
            onProgress: (p) => recordings.reportProgress(recordingId, p),
            onFirstPlayable: async (published, metadata) => {
              const current = await repo.get(recordingId);
              const media = withCurrentSidecars(published, current);
              if (current?.status === 'processing') {
                await recordings.transition(recordingId, { to: 'ready' }, 'job', 'first rendition playable', { media, metadata, processingError: null });
              } else {
                await recordings.reportProgress(recordingId, current?.progress ?? { stage: 'ladder', percent: 0 }, { media, metadata });
              }
            },
          },
        );
        const current = await repo.get(recordingId);
        await recordings.reportProgress(recordingId, { stage: 'publish', percent: 99 }, { ...result, media: withCurrentSidecars(result.media, current) });
        // A chat log attached after this job read its inputs is turned into the chat track now, again if it was
        // already published: this job's sweep of outputs it did not make may have removed those files, and its last
        // write of the media may have crossed the attach's. Only then is it done, so "done" means the track is there.
        const published = await repo.get(recordingId);
        if (published?.chatKey && (published.chatKey !== rec.chatKey || !published.media?.chatVttKey)) await recordings.publishChatTrack(recordingId);
        await recordings.reportProgress(recordingId, { stage: 'done', percent: 100 });
        return { outcome: 'done' };
      } catch (err) {
        if (ctx.signal.aborted || deps.processor.isRetryable(err)) throw err;
        const reason = errorMessage(err);
        await markFailed(recordingId, 'media processing failed', reason);
        return { outcome: 'done', detail: `failed: ${reason}` };
      }
    },

    async onExhausted({ recordingId }, error) {
      await markFailed(recordingId, 'gave up after retries', `Processing failed after several attempts: ${error.message}`);
    },
  };
}
