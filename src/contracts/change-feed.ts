import type { LiveClassStatus, RecordingStatus } from './statuses';

/** A recording's state as the instructor console shows it, pushed whenever it changes. */
export interface RecordingChange {
  kind: 'recording';
  recordingId: string;
  liveClassId: string;
  batchId: string;
  status: RecordingStatus;
  /** A recording paused by its instructor: still one recording, the paused part left out. */
  paused: boolean;
  progress: { stage: string; percent: number } | null;
  processingError: string | null;
  at: string;
}

/** A live class created, edited, started, ended or cancelled. */
export interface LiveClassChange {
  kind: 'live-class';
  liveClassId: string;
  batchId: string;
  status: LiveClassStatus;
  deleted: boolean;
  at: string;
}

export type FeedChange = RecordingChange | LiveClassChange;

/** Where changes are published and heard: in one process, or across processes through Redis. */
export interface ChangeFeed {
  publish(change: FeedChange): void;
  subscribe(listener: (change: FeedChange) => void): () => void;
  close(): Promise<void>;
}
