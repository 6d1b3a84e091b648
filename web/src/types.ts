/** Shapes of the Aula API responses the pages read; those the server is typed by come from its contracts (src/contracts/api). */

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

export type { RecordingProgress, RecordingStatus, RecordingTrimView } from '../../src/contracts/api/recordings';
import type { RecordingProgress, RecordingStatus, RecordingTrimView } from '../../src/contracts/api/recordings';
export type LiveClassStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

export interface LiveClassRef {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider?: string;
}

/** A ready recording as a lesson page lists it. */
export type { ViewerRecording as LessonRecording } from '../../src/contracts/api/recordings';

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
  trim: RecordingTrimView | null;
  pausedAt: string | null;
}

/** What `GET /api/v1/recordings/{id}/playback` answers: the contract the server is typed by, so the two cannot drift apart. */
export type { PlaybackUrls as Playback } from '../../src/contracts/api/playback';

export type { HeartbeatResult, RecordingAnalytics, WatchReport } from '../../src/contracts/api/analytics';

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
import type { LiveClassChange, RecordingChange } from '../../src/contracts/change-feed';
export type { LiveClassChange, RecordingChange };

/** The event names of the console's change stream. */
export type FeedChangeKind = (RecordingChange | LiveClassChange)['kind'];

/** What `GET /api/v1/me/home` answers. */
export type { HomeClass, HomeRecording, ViewerHome } from '../../src/contracts/api/viewer-home';

export interface CourseOutline {
  id: string;
  title: string;
  description: string;
  chapters: { id: string; title: string; lessons: { id: string; title: string }[] }[];
}

/** What `GET /api/v1/recordings/{id}/view` answers. */
export type { RecordingPageView } from '../../src/contracts/api/recordings';

/** What `GET /api/v1/search` answers. */
export type { SearchResults } from '../../src/contracts/api/search';
