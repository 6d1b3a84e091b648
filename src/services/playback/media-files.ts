/** Files a playback token may reach, relative to the recording's folder. Sources and anything else stay private. */
export const SERVABLE = /^(trim-\d{1,6}\/)?(hls\/master\.m3u8|hls\/[a-z0-9_]{1,20}\/(index\.m3u8|seg_\d{1,6}\.(ts|m4s)|init\.mp4)|poster\.jpg|sprite\.jpg|thumbnails\.vtt|download\.mp4|chat\.vtt|captions\.vtt)$/;

/** Files an audience token may reach while a class is recorded: the master, each rendition's playlist and segments. */
export const LIVE_SERVABLE = /^hls\/(master\.m3u8|[a-z0-9_]{1,20}\/(index\.m3u8|seg_\d{5}\.ts))$/;

export function contentTypeOf(file: string): string {
  if (file.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (file.endsWith('.ts')) return 'video/mp2t';
  if (file.endsWith('.m4s')) return 'video/iso.segment';
  if (file.endsWith('.mp4')) return 'video/mp4';
  if (file.endsWith('.jpg')) return 'image/jpeg';
  if (file.endsWith('.vtt')) return 'text/vtt; charset=utf-8';
  return 'application/octet-stream';
}
