import { EventEmitter } from 'node:events';
import type { ChangeFeed } from '../contracts/change-feed';

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
