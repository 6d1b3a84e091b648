export interface WatchSessionsTable {
  id: string;
  recording_id: string;
  user_id: string;
  started_at: string;
  last_seen_at: string;
  last_position: number;
  /** Seconds of wall time the player was playing in this session. */
  time_spent: number;
  /** JSON array of [start, end] second ranges watched in this session, merged. */
  ranges: string;
  heartbeats: number;
}

export interface WatchProgressTable {
  recording_id: string;
  user_id: string;
  /** JSON array of merged [start, end] ranges across all sessions. */
  ranges: string;
  watched_seconds: number;
  time_spent: number;
  last_position: number;
  sessions: number;
  updated_at: string;
}

/** When a user last opened the home page, and the visit before that ("new since your last visit"). */
export interface HomeVisitsTable {
  user_id: string;
  last_visit_at: string;
  previous_visit_at: string | null;
}
