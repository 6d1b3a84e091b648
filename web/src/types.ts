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
  part: { number: number; of: number } | null;
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

/** What `GET /api/v1/recordings/{id}/playback` answers: the server's own type, so the two cannot drift apart. */
export type { PlaybackUrls as Playback } from '../../src/contracts/api/playback';

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

// The console's change stream carries the server's own change types.
import type { LiveClassChange, RecordingChange } from '../../src/services/change-feed';
export type { LiveClassChange, RecordingChange };

/** The event names of the console's change stream. */
export type FeedChangeKind = (RecordingChange | LiveClassChange)['kind'];

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
  recordings: { id: string; title: string; startedAt: string; durationSeconds: number | null; liveClassId: string; liveClassTitle: string }[];
  students: {
    userId: string;
    name: string | null;
    email: string;
    externalId: string | null;
    recordings: { recordingId: string; watchedPercent: number; timeSpentSeconds: number }[];
  }[];
}

/** What `GET /api/v1/me/home` answers: the server's own types. */
export type { HomeClass, HomeRecording, ViewerHome } from '../../src/contracts/api/viewer-home';

export interface CourseOutline {
  id: string;
  title: string;
  description: string;
  chapters: { id: string; title: string; lessons: { id: string; title: string }[] }[];
}

/** What `GET /api/v1/recordings/{id}/view` answers. */
export type RecordingPageView = LessonRecording & { lesson: { id: string; title: string; courseId: string } | null };

/** What `GET /api/v1/search` answers. */
export type { SearchResults } from '../../src/contracts/api/search';
