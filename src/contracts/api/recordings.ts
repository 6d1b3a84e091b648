/** Where a recording stands among its class's recordings ("part 2 of 3"); absent for a class's only one. */
export interface RecordingPart {
  number: number;
  of: number;
}

/** The class a listed recording belongs to, as lists and tiles show it. */
export interface RecordingClassRef {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: string;
}

export type RecordingStatus = 'scheduled' | 'recording' | 'processing' | 'ready' | 'failed' | 'deleted';

/** How far processing has come. */
export interface RecordingProgress {
  stage: string;
  percent: number;
}

/**
 * A recording as a viewer's list shows it (`GET /api/v1/lessons/{id}/recordings`, `/batches/{id}/recordings`):
 * storage keys left out, a signed poster URL and the viewer's own progress added.
 */
/** A recording's trim as the API shows it: the window kept (on the untrimmed timeline) and how its precise cut stands. */
export interface RecordingTrimView {
  startSeconds: number;
  endSeconds: number;
  /** `cutting`: students already see the window (whole segments), the precise cut of every output is running. */
  state: 'cutting' | 'done' | 'failed';
  error: string | null;
  originalDurationSeconds: number | null;
}

export interface ViewerRecording {
  id: string;
  title: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  liveClass: RecordingClassRef;
  posterUrl: string | null;
  hasChat: boolean;
  progressForViewer: { lastPosition: number; watchedPercent: number } | null;
  /** Where it stands among its class's recordings ("part 2 of 3"), null for a class's only one. */
  part: RecordingPart | null;
  /** Null when the recording is not trimmed. */
  trim: RecordingTrimView | null;
}

/** What `GET /api/v1/recordings/{id}/view` answers: the listed recording and the lesson it belongs to. */
export type RecordingPageView = ViewerRecording & { lesson: { id: string; title: string; courseId: string } | null };
