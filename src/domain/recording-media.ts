import type { RecordingMediaFacts } from '../contracts/api/recordings';

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

export type RecordingMetadata = RecordingMediaFacts;

// The key layout lives in the media domain; importers of the old name keep working.
export { recordingPrefix } from './media/recording-layout';
