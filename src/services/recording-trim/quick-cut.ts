import { cutMediaPlaylist, type RecordingTrim, shiftVtt } from '../../domain/media/trim';
import type { RecordingMedia } from '../../domain/recording-media';

const CUT_MEMORY = 500;

/**
 * The quick cut of a trimmed recording whose precise cut is not done yet: its variant playlists list only the whole
 * segments around the window, and its timed text (captions, chat, thumbnails) moves by where the first kept
 * segment starts. Nothing is re-encoded, so students see the trim the moment staff set it.
 */
export function createQuickCut(deps: { readText(key: string): Promise<string> }) {
  // Where each recording's cut starts, by trim version: one playlist read per trim, not one per cue file.
  const offsets = new Map<string, { version: number; offsetSeconds: number; lengthSeconds: number }>();

  async function cutOf(recordingId: string, trim: RecordingTrim, media: RecordingMedia) {
    const known = offsets.get(recordingId);
    if (known?.version === trim.version) return known;
    const top = media.renditions.find((r) => r.height !== null) ?? media.renditions[0];
    if (!top) return null;
    const cut = cutMediaPlaylist(await deps.readText(top.playlistKey), trim);
    const entry = { version: trim.version, offsetSeconds: cut.offsetSeconds, lengthSeconds: cut.lengthSeconds };
    if (offsets.size >= CUT_MEMORY) offsets.delete(offsets.keys().next().value!);
    offsets.set(recordingId, entry);
    return entry;
  }

  return {
    /** The body to serve instead of the stored object, or null to serve it as stored. */
    async rewrite(recording: { id: string; trim: RecordingTrim | null; media: RecordingMedia | null }, key: string): Promise<string | null> {
      const { trim, media } = recording;
      if (!trim || trim.state === 'done' || !media) return null;
      if (media.renditions.some((r) => r.playlistKey === key)) return cutMediaPlaylist(await deps.readText(key), trim).text;
      const timedText = [media.captionsVttKey, media.chatVttKey, media.thumbnailsVttKey];
      if (!timedText.includes(key)) return null;
      const cut = await cutOf(recording.id, trim, media);
      return cut ? shiftVtt(await deps.readText(key), cut.offsetSeconds, cut.lengthSeconds) : null;
    },
  };
}

export type QuickCut = ReturnType<typeof createQuickCut>;
