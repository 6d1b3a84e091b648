import type { RecordingTrim, TrimWrite } from '../../domain/media/trim';
import type { RecordingMedia } from '../../domain/recording-media';

/** The recording as trimming sees it. */
export interface TrimmableRecording {
  id: string;
  liveClassId: string;
  status: string;
  sourceKey: string | null;
  chatKey: string | null;
  captionsKey: string | null;
  durationSeconds: number | null;
  media: RecordingMedia | null;
  trim: RecordingTrim | null;
}

export interface TrimRepository {
  get(id: string): Promise<TrimmableRecording | null>;
  /** Compare-and-set on the trim as it was read: false when another trim or undo got there first. */
  saveTrim(id: string, expected: RecordingTrim | null, write: TrimWrite, at: string): Promise<boolean>;
}
