/** What the media pipeline published for a recording: storage keys relative to the media root. */
export interface RecordingRendition {
  name: string;
  width: number | null;
  height: number | null;
  bandwidth: number;
  codecs: string;
  playlistKey: string;
}

export interface RecordingMedia {
  masterKey: string;
  renditions: RecordingRendition[];
  posterKey: string | null;
  spriteKey: string | null;
  thumbnailsVttKey: string | null;
  mp4Key: string | null;
  chatVttKey: string | null;
  chatJsonKey: string | null;
  captionsVttKey: string | null;
}

export interface RecordingMetadata {
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  bitRate: number | null;
  sizeBytes: number | null;
}

/** Every file of one recording lives under this prefix, so purging media is one prefix delete. */
export function recordingPrefix(recordingId: string): string {
  return `recordings/${recordingId}/`;
}
