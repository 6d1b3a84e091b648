import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChangeFeed, FeedChange } from '../../contracts/change-feed';

const CHANNEL = 'aula:recording-changes';

/** Recording and live-class changes through Redis pub/sub, so a console connected to any Aula process sees every change. */
export function createRedisChangeFeed(redisUrl: string, logger: Logger): ChangeFeed {
  const pub = new Redis(redisUrl);
  const sub = new Redis(redisUrl);
  const local = new EventEmitter();
  local.setMaxListeners(0);
  void sub.subscribe(CHANNEL).catch((err: unknown) => logger.error({ err }, 'change feed subscribe failed'));
  sub.on('message', (_channel: string, message: string) => {
    try {
      local.emit('change', JSON.parse(message) as FeedChange);
    } catch (err) {
      logger.warn({ err }, 'ignored a malformed change message');
    }
  });
  return {
    publish(change) {
      void pub.publish(CHANNEL, JSON.stringify(change)).catch((err: unknown) => logger.error({ err }, 'change feed publish failed'));
    },
    subscribe(listener) {
      local.on('change', listener);
      return () => local.off('change', listener);
    },
    async close() {
      local.removeAllListeners();
      sub.disconnect();
      pub.disconnect();
    },
  };
}
