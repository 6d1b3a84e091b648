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

/** What probing found of a recording's media (null until known). */
export interface RecordingMediaFacts {
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  bitRate: number | null;
  sizeBytes: number | null;
}

/** One rendition of a recording's ladder, as the API shows it (where it is stored left out). */
export interface RenditionView {
  name: string;
  width: number | null;
  height: number | null;
  bandwidth: number;
  codecs: string;
}

/** What was made of a recording: its renditions, and which of the other outputs exist. */
export interface RecordingOutputs {
  renditions: RenditionView[];
  poster: boolean;
  thumbnails: boolean;
  mp4: boolean;
  chat: boolean;
  captions: boolean;
}

/**
 * A recording in any state, as instructors and admins (and its students, once ready) get it from the recordings API
 * and its actions (stop, retry, rename, delete, restore, trim, upload): never where its files are stored.
 */
export interface RecordingSummary extends RecordingMediaFacts {
  id: string;
  liveClassId: string;
  title: string;
  status: RecordingStatus;
  previousStatus: RecordingStatus | null;
  source: string;
  externalRef: string | null;
  startedAt: string;
  endedAt: string | null;
  /** Size of the file it was made from, when one was received. */
  sourceSize: number | null;
  /** A chat log came with the class (the native room's, a provider's, or one attached by hand). */
  hasSourceChat: boolean;
  /** Captions came with the class or were attached. */
  hasSourceCaptions: boolean;
  /** Null until the recording is playable. */
  outputs: RecordingOutputs | null;
  trim: RecordingTrimView | null;
  progress: RecordingProgress | null;
  processingError: string | null;
  /** When a live recording was paused; null while it runs, and once it has stopped. */
  pausedAt: string | null;
  deletedAt: string | null;
  purgedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A recording as `GET /api/v1/recordings` lists it for staff: with its class. */
export type StaffRecording = RecordingSummary & { liveClass: RecordingClassRef };

/** The processing job of a recording, as staff see it. */
export interface RecordingJobView {
  id: string;
  name: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
}

/** What `GET /api/v1/recordings/{id}` answers: the recording, its class and (for staff) its processing job. */
export type RecordingDetail = StaffRecording & { job: RecordingJobView | null };
