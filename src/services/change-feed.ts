import { EventEmitter } from 'node:events';

/** A recording's state as the instructor console shows it, pushed whenever it changes. */
export interface RecordingChange {
  recordingId: string;
  liveClassId: string;
  batchId: string;
  status: string;
  progress: { stage: string; percent: number } | null;
  processingError: string | null;
  at: string;
}

export interface ChangeFeed {
  publish(change: RecordingChange): void;
  subscribe(listener: (change: RecordingChange) => void): () => void;
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
