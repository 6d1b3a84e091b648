import { EventEmitter } from 'node:events';
import type { LiveClassStatus, RecordingStatus } from '../domain/recording-state';

/** A recording's state as the instructor console shows it, pushed whenever it changes. */
export interface RecordingChange {
  kind: 'recording';
  recordingId: string;
  liveClassId: string;
  batchId: string;
  status: RecordingStatus;
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

export interface ChangeFeed {
  publish(change: FeedChange): void;
  subscribe(listener: (change: FeedChange) => void): () => void;
  close(): Promise<void>;
}

/** One process: an event emitter. Several processes use the Redis feed so every console sees every change. */
export function createInProcessChangeFeed(): ChangeFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (change) => void emitter.emit('change', change),
    subscribe(listener) {
      emitter.on('change', listener);
      return () => emitter.off('change', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
