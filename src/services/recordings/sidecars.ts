import { isoNow } from '../../adapters/clock';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { Conflict, DomainError, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { SidecarRefusal } from '../../domain/media/sidecar-text';
import { recordingLayout } from '../../domain/media/recording-layout';
import type { RecordingContext } from './context';
import { captionsKeyOf } from './source-files';
import type { RecordingServiceDeps } from './types';

function sidecarRefusal(refusal: SidecarRefusal): DomainError {
  return refusal.status === 413 ? new DomainError('payload_too_large', refusal.message) : new Unprocessable(refusal.message);
}

/** Chat logs and captions that arrive beside a recording, and the tracks the player shows of them. */
export function createRecordingSidecars(
  deps: Pick<RecordingServiceDeps, 'recordings' | 'readStoredText' | 'sidecarText' | 'clock' | 'logger'> & { storage: Pick<MediaStorage, 'putFile' | 'putBuffer'> },
  ctx: RecordingContext,
) {
  const { recordings, clock, logger } = deps;
  const { mustGet } = ctx;

  /** Makes the chat track of a recording whose media is published from its stored chat log (nothing to do before). */
  async function publishChatTrack(id: string, prepared?: { jsonl: string | Buffer; vtt: string | Buffer }) {
    const rec = await mustGet(id);
    if (!rec.chatKey || !rec.media) return;
    let track: { jsonl: string | Buffer; vtt: string | Buffer } | undefined = prepared;
    if (!track) {
      // Parsed on the sidecar worker: a provider's chat log can be as large as an attached one.
      const stored = await deps.sidecarText.prepareChat(Buffer.from(await deps.readStoredText(rec.chatKey)), null);
      if (!stored.ok) {
        logger.warn({ recordingId: id, reason: stored.message }, 'stored chat log has no usable messages; no chat track');
        return;
      }
      track = stored;
    }
    const layout = recordingLayout(id);
    const keys = { json: layout.chatJson, vtt: layout.chatVtt };
    await deps.storage.putBuffer(keys.json, track.jsonl, 'application/x-ndjson');
    await deps.storage.putBuffer(keys.vtt, track.vtt, 'text/vtt');
    const current = await mustGet(id);
    if (!current.media) return;
    await recordings.updateProcessing(id, { media: { ...current.media, chatJsonKey: keys.json, chatVttKey: keys.vtt }, now: isoNow(clock) });
    const cls = await ctx.mustClass(current.liveClassId);
    ctx.publish(await mustGet(id), cls.batchId); // players and caches pick up the new track
  }

  /** Points the recording (and its published media, if any) at captions just stored under its captions key. */
  async function useStoredCaptions(id: string, captionsKey: string) {
    // Read again after the upload: the pipeline may have published media meanwhile.
    const current = await mustGet(id);
    await recordings.updateProcessing(id, { captionsKey, ...(current.media && { media: { ...current.media, captionsVttKey: captionsKey } }), now: isoNow(clock) });
    return mustGet(id);
  }

  return {
    /**
     * Captions that arrive after the recording (a provider's transcript finished later): stored beside it and, when
     * its media is already published, shown by the player at once. Processing that is still running picks them up.
     */
    async attachCaptions(id: string, localPath: string) {
      const rec = await mustGet(id);
      if (rec.purgedAt) throw new Conflict(`Recording ${id} was deleted and its media purged; it takes no captions`);
      const captionsKey = captionsKeyOf(id);
      await deps.storage.putFile(captionsKey, localPath, 'text/vtt');
      return useStoredCaptions(id, captionsKey);
    },

    /**
     * Staff attach the chat log of a class held elsewhere (JSON lines of `t` seconds, `author`, `text`). It is kept
     * beside the source; a recording already playable gets its chat track at once, one still processing at the end.
     */
    async attachChatLog(actor: Principal, id: string, jsonl: Buffer) {
      const rec = await mustGet(id);
      await ctx.assertStaffOf(actor, rec.liveClassId);
      if (rec.status === 'deleted' || rec.purgedAt) throw new Conflict(`Recording ${id} is deleted; restore it before attaching a chat`);
      const chat = await deps.sidecarText.prepareChat(jsonl, rec.durationSeconds);
      if (!chat.ok) throw sidecarRefusal(chat);
      const chatKey = recordingLayout(id).sourceChat;
      await deps.storage.putBuffer(chatKey, chat.jsonl, 'application/x-ndjson');
      await recordings.updateProcessing(id, { chatKey, now: isoNow(clock) });
      await publishChatTrack(id, chat);
      return { recordingId: id, messages: chat.messages, skipped: chat.skipped, afterEnd: chat.afterEnd };
    },

    publishChatTrack,

    /** Staff attach or replace captions (WebVTT); the player offers them at once when the recording is playable. */
    async attachCaptionsText(actor: Principal, id: string, vtt: Buffer) {
      const rec = await mustGet(id);
      const cls = await ctx.assertStaffOf(actor, rec.liveClassId);
      if (rec.status === 'deleted' || rec.purgedAt) throw new Conflict(`Recording ${id} is deleted; restore it before attaching captions`);
      const checked = await deps.sidecarText.checkCaptions(vtt, rec.durationSeconds);
      if (!checked.ok) throw sidecarRefusal(checked);
      const captionsKey = captionsKeyOf(id);
      await deps.storage.putBuffer(captionsKey, checked.vtt, 'text/vtt');
      ctx.publish(await useStoredCaptions(id, captionsKey), cls.batchId);
      return { recordingId: id, captions: true, cues: checked.cues };
    },

    /** Attaches a chat transcript or captions file already in storage. */
    async attachSidecars(id: string, files: { chatKey?: string; captionsKey?: string }) {
      await recordings.updateProcessing(id, { ...files, now: isoNow(clock) });
    },
  };
}
