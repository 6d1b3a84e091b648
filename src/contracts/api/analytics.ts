/** What a watch heartbeat (`POST /api/v1/recordings/{id}/progress`) answers: the viewer's watched total so far. */
export interface HeartbeatResult {
  watchedSeconds: number;
  watchedPercent: number;
}

/** What `GET /api/v1/recordings/{id}/analytics` answers (instructors and admins). */
export interface RecordingAnalytics {
  recordingId: string;
  durationSeconds: number | null;
  views: number;
  uniqueViewers: number;
  /** Viewers who watched through a share link, counted under the link. */
  guestViewers: number;
  totalWatchSeconds: number;
  completionRate: number;
  heatmap: { bucketSeconds: number; views: number[] };
  viewers: { userId: string; guest: boolean; watchedSeconds: number; watchedPercent: number; timeSpentSeconds: number; sessions: number }[];
}

/** What `GET /api/v1/batches/{id}/watch-report` answers: per student, per ready recording of the batch, the share watched. */
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
