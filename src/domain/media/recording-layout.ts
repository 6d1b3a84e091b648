/**
 * Where a recording's files live in storage, what they are called and how they are served: every key, file name
 * and content type of a recording's sources and outputs, in one place.
 */

/** Every file of one recording lives under this prefix, so purging media is one prefix delete. */
export function recordingPrefix(recordingId: string): string {
  return `recordings/${recordingId}/`;
}

/** A rendition's media playlist, inside the rendition's folder. */
export const VARIANT_PLAYLIST = 'index.m3u8';
/** The segments FFmpeg writes, numbered. */
export const SEGMENT_PATTERN = 'seg_%05d.ts';
/** A segment name as FFmpeg writes it after SEGMENT_PATTERN. */
export const SEGMENT_FILE = /^seg_\d{5}\.ts$/;
/** The sprite sheet, named relative to thumbnails.vtt (the two sit side by side). */
export const SPRITE_FILE = 'sprite.jpg';

export const CONTENT_TYPES = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  jpg: 'image/jpeg',
  vtt: 'text/vtt; charset=utf-8',
  mp4: 'video/mp4',
  jsonl: 'application/x-ndjson; charset=utf-8',
  /** A chat log kept as a recording's source, as uploads store it. */
  chatLog: 'application/x-ndjson',
} as const;

/** The URI of a rendition's playlist as its master playlist lists it. */
export function renditionUri(rendition: string): string {
  return `${rendition}/${VARIANT_PLAYLIST}`;
}

export function recordingLayout(recordingId: string, folder = '') {
  const prefix = recordingPrefix(recordingId) + folder;
  const hlsPrefix = `${prefix}hls/`;
  return {
    prefix,
    hlsPrefix,
    master: `${hlsPrefix}master.m3u8`,
    renditionPlaylist: (rendition: string) => `${hlsPrefix}${renditionUri(rendition)}`,
    segment: (rendition: string, uri: string) => `${hlsPrefix}${rendition}/${uri}`,
    poster: `${prefix}poster.jpg`,
    sprite: `${prefix}${SPRITE_FILE}`,
    thumbnailsVtt: `${prefix}thumbnails.vtt`,
    mp4: `${prefix}download.mp4`,
    chatJson: `${prefix}chat.jsonl`,
    chatVtt: `${prefix}chat.vtt`,
    captionsVtt: `${prefix}captions.vtt`,
    /** The original as received; `ext` names its container (mp4, webm, ts for a live capture). */
    source: (ext: string) => `${prefix}source/original.${ext}`,
    sourceChat: `${prefix}source/chat.jsonl`,
  };
}

export type RecordingLayout = ReturnType<typeof recordingLayout>;

/** Keys the media pipeline writes (and may remove or replace); never the sources or attached captions. */
export function isPipelineOutput(layout: RecordingLayout, key: string): boolean {
  return key.startsWith(layout.hlsPrefix) || [layout.poster, layout.sprite, layout.thumbnailsVtt, layout.mp4, layout.chatJson, layout.chatVtt].includes(key);
}
