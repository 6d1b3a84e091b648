import type { RecordingPart } from './recordings';

export interface SearchMatch {
  kind: 'caption' | 'chat';
  /** Seconds from the recording's start: where the player opens. */
  at: number;
  text: string;
}

/** What `GET /api/v1/search` answers. */
export interface SearchResults {
  query: string;
  courses: { id: string; title: string; description: string }[];
  lessons: { id: string; title: string; description: string; courseId: string; courseTitle: string }[];
  recordings: {
    id: string; title: string; startedAt: string; durationSeconds: number | null; part: RecordingPart | null;
    liveClass: { id: string; title: string; lessonId: string | null };
    /** True when the recording's or its class's title matched. */
    titleMatch: boolean;
    matches: SearchMatch[];
  }[];
}
