import { Redis } from 'ioredis';
import type { WatchSessionState } from '../db/watch-repository';

/** A playback session between heartbeats: what is stored, plus what the next heartbeat is measured against. */
export interface LiveWatchSession extends WatchSessionState {
  lastAtMs: number;
  playing: boolean;
}

/**
 * Where playback sessions live between heartbeats and until they are written to the database in batches.
 * One process keeps them in memory; several processes share them in Redis, so a session's heartbeats may reach
 * any process behind the load balancer and still be measured against the one before.
 */
export interface WatchSessionStore {
  get(id: string): Promise<LiveWatchSession | null>;
  /** Stores the session and marks it for the next batch write. */
  put(session: LiveWatchSession): Promise<void>;
  /** Up to `max` sessions changed since they were last taken (and no longer marked). */
  takeChanged(max: number): Promise<LiveWatchSession[]>;
  /** Marks sessions again, after a batch write failed. */
  markChanged(ids: string[]): Promise<void>;
  /**
   * Claims the wall-clock stretch [fromMs, toMs] for a viewer and returns the milliseconds of it not claimed before
   * by any of their sessions: one viewer's parallel sessions share one clock.
   */
  claimWallTime(userId: string, fromMs: number, toMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Sessions idle this long leave the store; the database has them. */
const IDLE_MS = 10 * 60_000;

export function createMemoryWatchSessionStore(now: () => number): WatchSessionStore {
  const sessions = new Map<string, LiveWatchSession>();
  const changed = new Set<string>();
  const claimedUntil = new Map<string, number>();
  return {
    async claimWallTime(userId, fromMs, toMs) {
      const until = claimedUntil.get(userId) ?? 0;
      if (toMs > until) {
        if (claimedUntil.size > 100_000) claimedUntil.clear();
        claimedUntil.set(userId, toMs);
      }
      return Math.max(0, toMs - Math.max(fromMs, until));
    },
    async get(id) {
      return sessions.get(id) ?? null;
    },
    async put(session) {
      sessions.set(session.id, session);
      changed.add(session.id);
    },
    async takeChanged(max) {
      const out: LiveWatchSession[] = [];
      for (const id of changed) {
        if (out.length >= max) break;
        changed.delete(id);
        const s = sessions.get(id);
        if (s) out.push({ ...s, ranges: [...s.ranges] });
      }
      const cutoff = now() - IDLE_MS;
      for (const [id, s] of sessions) if (s.lastAtMs < cutoff && !changed.has(id)) sessions.delete(id);
      return out;
    },
    async markChanged(ids) {
      for (const id of ids) changed.add(id);
    },
    async close() {
      sessions.clear();
      changed.clear();
    },
  };
}

const KEY = (id: string) => `aula:watch:session:${id}`;
const CLAIMED = (userId: string) => `aula:watch:claimed:${userId}`;
// Atomic across processes: read the viewer's claimed-until time, extend it, return the newly claimed milliseconds.
const CLAIM_SCRIPT = `
local claimed = tonumber(redis.call('GET', KEYS[1]) or '0')
local from = tonumber(ARGV[1])
local to = tonumber(ARGV[2])
if to > claimed then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
if from < claimed then from = claimed end
if to > from then return to - from end
return 0
`;
const CHANGED = 'aula:watch:changed';

export function createRedisWatchSessionStore(redisUrl: string): WatchSessionStore {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const parse = (text: string | null): LiveWatchSession | null => (text ? (JSON.parse(text) as LiveWatchSession) : null);
  return {
    async claimWallTime(userId, fromMs, toMs) {
      return Number(await redis.eval(CLAIM_SCRIPT, 1, CLAIMED(userId), String(Math.round(fromMs)), String(Math.round(toMs)), String(IDLE_MS)));
    },
    async get(id) {
      return parse(await redis.get(KEY(id)));
    },
    async put(session) {
      await redis.multi().set(KEY(session.id), JSON.stringify(session), 'PX', IDLE_MS).sadd(CHANGED, session.id).exec();
    },
    async takeChanged(max) {
      const ids = await redis.spop(CHANGED, max);
      if (ids.length === 0) return [];
      const values = await redis.mget(...ids.map(KEY));
      return values.map(parse).filter((s): s is LiveWatchSession => s !== null);
    },
    async markChanged(ids) {
      if (ids.length > 0) await redis.sadd(CHANGED, ...ids);
    },
    async close() {
      redis.disconnect();
    },
  };
}
