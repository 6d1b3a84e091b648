/** Shapes of the Aula API responses the pages read. */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Lesson {
  id: string;
  title: string;
  description: string | null;
  courseId: string;
  chapterId: string;
}

export type RecordingStatus = 'scheduled' | 'recording' | 'processing' | 'ready' | 'failed' | 'deleted';
export type LiveClassStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

export interface RecordingProgress {
  stage: string;
  percent: number;
}

export interface LiveClassRef {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider?: string;
}

/** A ready recording as a lesson page lists it. */
export interface LessonRecording {
  id: string;
  title: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  liveClass: LiveClassRef;
  posterUrl: string | null;
  hasChat: boolean;
  progressForViewer: { lastPosition: number; watchedPercent: number } | null;
}

/** A recording in any state, as instructors and admins see it. */
export interface StaffRecording {
  id: string;
  liveClassId: string;
  title: string;
  status: RecordingStatus;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  progress: RecordingProgress | null;
  processingError: string | null;
  liveClass: LiveClassRef;
}

export interface Playback {
  recordingId: string;
  expiresAt: string;
  hls: string;
  mp4: string | null;
  poster: string | null;
  thumbnails: string | null;
  chat: string | null;
  captions: string | null;
}

export interface HeartbeatResult {
  watchedSeconds: number;
  watchedPercent: number;
}

export interface LiveClass {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: string;
  status: LiveClassStatus;
  startsAt: string;
  durationMinutes: number;
  autoRecord: boolean;
  startedAt: string | null;
  endedAt: string | null;
}

export interface Batch {
  id: string;
  name: string;
  courseIds: string[];
}

export interface BatchMember {
  id: string;
  name: string | null;
  email: string;
  externalId: string | null;
}

export interface RecordingChange {
  kind: 'recording';
  recordingId: string;
  liveClassId: string;
  batchId: string;
  status: RecordingStatus;
  progress: RecordingProgress | null;
  processingError: string | null;
  at: string;
}

export interface LiveClassChange {
  kind: 'live-class';
  liveClassId: string;
  batchId: string;
  status: LiveClassStatus;
  deleted: boolean;
  at: string;
}

export interface RecordingAnalytics {
  recordingId: string;
  durationSeconds: number | null;
  views: number;
  uniqueViewers: number;
  totalWatchSeconds: number;
  completionRate: number;
  heatmap: { bucketSeconds: number; views: number[] };
  viewers: { userId: string; watchedSeconds: number; watchedPercent: number; timeSpentSeconds: number; sessions: number }[];
}

export interface WatchReport {
  batchId: string;
  recordings: { id: string; title: string; startedAt: string; durationSeconds: number | null; liveClassTitle: string }[];
  students: {
    userId: string;
    name: string | null;
    email: string;
    externalId: string | null;
    recordings: { recordingId: string; watchedPercent: number; timeSpentSeconds: number }[];
  }[];
}
