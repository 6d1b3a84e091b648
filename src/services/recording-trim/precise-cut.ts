import type { Logger } from 'pino';
import { isoNow, type Clock } from '../../adapters/clock';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { type RecordingTrim, shiftChatLines, shiftVtt, type TrimWindow, trimOutputFolder } from '../../domain/media/trim';
import { parseChatLines, toChatJsonLines } from '../../domain/media/chat-transcript';
import { CONTENT_TYPES, recordingLayout, type RecordingLayout } from '../../domain/media/recording-layout';
import type { RecordingMedia, RecordingMetadata } from '../../domain/recording-media';
import type { JobHandler } from '../../jobs/queue';
import type { TrimRepository } from './ports';

/** The media work of a precise cut. */
export interface TrimMedia {
  /** Re-encodes the window of a stored source, to the frame, into a new stored source. */
  cutSource(input: { sourceKey: string; window: TrimWindow; targetKey: string; jobId: string; signal: AbortSignal }): Promise<void>;
  /** The media pipeline on a source, with its outputs in `outputFolder` of the recording. */
  process(input: { recordingId: string; sourceKey: string; chatKey: string | null; captionsKey: string | null; outputFolder: string; signal: AbortSignal }): Promise<{ media: RecordingMedia; metadata: RecordingMetadata }>;
}

export interface PreciseCutDeps {
  repo: TrimRepository;
  storage: Pick<MediaStorage, 'putBuffer' | 'deletePrefix'>;
  readText(key: string): Promise<string>;
  media: TrimMedia;
  announce(recordingId: string): Promise<void>;
  clock: Clock;
  logger: Logger;
}

/**
 * The precise cut of a trim: the window re-encoded from the original source, run through the pipeline into the
 * trim's own folder, its chat and captions moved onto the cut; then the recording's media swaps to it in one write.
 * A cut made stale by a newer trim or an undo meanwhile is thrown away.
 */
export function trimRecordingHandler(deps: PreciseCutDeps): JobHandler<'trim-recording'> {
  async function markFailed(recordingId: string, reason: string): Promise<void> {
    const rec = await deps.repo.get(recordingId);
    if (rec?.trim?.state !== 'cutting') return;
    if (await deps.repo.saveTrim(recordingId, rec.trim, { trim: { ...rec.trim, state: 'failed', error: reason } }, isoNow(deps.clock))) await deps.announce(recordingId);
  }

  /** The trim's chat and captions moved onto the cut, stored where the trim's outputs live. */
  async function shiftedText(layout: RecordingLayout, trim: RecordingTrim): Promise<{ chatKey: string | null; captionsKey: string | null }> {
    const length = trim.endSeconds - trim.startSeconds;
    let chatKey: string | null = null;
    let captionsKey: string | null = null;
    if (trim.original.chatKey) {
      const { messages } = parseChatLines(await deps.readText(trim.original.chatKey));
      chatKey = layout.sourceChat;
      await deps.storage.putBuffer(chatKey, toChatJsonLines(shiftChatLines(messages, trim.startSeconds, length)), CONTENT_TYPES.jsonl);
    }
    if (trim.original.captionsKey) {
      captionsKey = layout.captionsVtt;
      await deps.storage.putBuffer(captionsKey, shiftVtt(await deps.readText(trim.original.captionsKey), trim.startSeconds, length), CONTENT_TYPES.vtt);
    }
    return { chatKey, captionsKey };
  }


  return {
    async run({ recordingId }, ctx) {
      const rec = await deps.repo.get(recordingId);
      const trim = rec?.trim;
      if (!rec || !trim || trim.state !== 'cutting') return { outcome: 'skipped', detail: 'no trim waiting to be cut' };
      const originalSource = rec.sourceKey;
      if (!originalSource) {
        await markFailed(recordingId, 'The recording has no source media to cut');
        return { outcome: 'done', detail: 'no source' };
      }
      const outputFolder = trimOutputFolder(trim.version);
      const layout = recordingLayout(recordingId, outputFolder);
      const sourceKey = layout.source('mp4');
      await deps.media.cutSource({ sourceKey: originalSource, window: trim, targetKey: sourceKey, jobId: ctx.jobId, signal: ctx.signal });
      const text = await shiftedText(layout, trim);
      const result = await deps.media.process({ recordingId, sourceKey, ...text, outputFolder, signal: ctx.signal });
      const media: RecordingMedia = { ...result.media, captionsVttKey: text.captionsKey };
      const swapped = await deps.repo.saveTrim(
        recordingId,
        trim,
        { trim: { ...trim, state: 'done', error: null }, swap: { media, durationSeconds: result.metadata.durationSeconds, ...text } },
        isoNow(deps.clock),
      );
      if (!swapped) {
        await deps.storage.deletePrefix(layout.prefix);
        return { outcome: 'skipped', detail: 'the trim changed while it was cut' };
      }
      await deps.announce(recordingId);
      deps.logger.info({ recordingId, version: trim.version, seconds: result.metadata.durationSeconds }, 'trimmed recording cut precisely');
      return { outcome: 'done' };
    },

    async onExhausted({ recordingId }, error) {
      await markFailed(recordingId, `The precise cut failed after several attempts: ${error.message}`);
    },
  };
}
