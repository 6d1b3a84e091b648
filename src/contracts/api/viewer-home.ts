import type { RecordingClassRef, RecordingPart } from './recordings';

/** What `GET /api/v1/me/home` answers: the viewer's start page. */
export interface HomeRecording {
  id: string;
  title: string;
  startedAt: string;
  durationSeconds: number | null;
  posterUrl: string | null;
  part: RecordingPart | null;
  liveClass: RecordingClassRef;
}

export interface HomeClass {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: string;
  /** Only classes still ahead or on now are listed. */
  phase: 'upcoming' | 'due' | 'live';
  startsAt: string;
  durationMinutes: number;
  /** The page that joins the class, when it runs in Aula and is live now. */
  joinPath: string | null;
}

export interface LessonWatchCounts {
  lessonId: string;
  recordings: number;
  /** Recordings the viewer watched at least the given share of. */
  watched: number;
  /** Recordings the viewer opened at all. */
  started: number;
}

export interface ViewerHome {
  continueWatching: (HomeRecording & { lastPosition: number; watchedPercent: number })[];
  classes: HomeClass[];
  newRecordings: HomeRecording[];
  /** The visit "new" is measured from; null on a first visit (then: the last two weeks). */
  since: string | null;
  lessons: LessonWatchCounts[];
  watchedShare: number;
}
