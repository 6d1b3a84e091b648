import { Redis } from 'ioredis';
import type { RoomClaim, RoomHosts } from './room-hosts';

const PREFIX = 'aula:room-host:';

// Each script reads and writes one key atomically, so two processes never both believe they hold a class.
/** Sets the key to ARGV[1] unless another value holds it; returns the holder either way. */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return holder`;
/** Deletes the key only while ARGV[1] holds it. */
const DELETE_IF = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Room claims as Redis keys with an expiry, shared by every Aula process on the same Redis. */
export function createRedisRoomHosts(input: { redisUrl: string; self: string; leaseSeconds: number }): RoomHosts {
  const redis = new Redis(input.redisUrl);
  const { self } = input;
  const leaseMs = String(input.leaseSeconds * 1000);
  const holderAfter = async (script: string, liveClassId: string): Promise<string> => String(await redis.eval(script, 1, PREFIX + liveClassId, self, leaseMs));

  return {
    self,
    async claim(liveClassId): Promise<RoomClaim> {
      const holder = await holderAfter(CLAIM, liveClassId);
      return holder === self ? { ours: true } : { ours: false, host: holder };
    },
    holder: (liveClassId) => redis.get(PREFIX + liveClassId),
    async renew(liveClassIds) {
      const lost: string[] = [];
      for (const id of liveClassIds) if ((await holderAfter(CLAIM, id)) !== self) lost.push(id);
      return lost;
    },
    async release(liveClassId) {
      await redis.eval(DELETE_IF, 1, PREFIX + liveClassId, self);
    },
    async evict(liveClassId, host) {
      await redis.eval(DELETE_IF, 1, PREFIX + liveClassId, host);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
