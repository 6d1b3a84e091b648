import type { ZoomRecordingObject } from '../../../domain/providers/zoom/webhook';

export interface ZoomCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface ZoomMeetingInput {
  topic: string;
  /** ISO-8601 UTC. */
  startTime: string;
  durationMinutes: number;
  autoRecording: 'cloud' | 'local' | 'none';
}

export interface ZoomMeeting {
  id: number | string;
  uuid: string;
  join_url: string;
  start_url: string;
  password?: string;
  topic?: string;
}

export type ZoomMeetingRecordings = ZoomRecordingObject & { download_access_token?: string };

export interface ZoomRecordingsPage {
  from?: string;
  to?: string;
  next_page_token?: string;
  meetings: ZoomRecordingObject[];
}

export interface ZoomApiOptions {
  apiBase: string;
  oauthBase: string;
  /** Per API call; downloads are bounded by the caller's signal instead. */
  timeoutMs?: number;
  now?: () => number;
}
