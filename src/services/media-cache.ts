import type { MediaStorage, StoredObjectInfo } from '../adapters/storage/media-storage';
import { readStoredBytes } from '../domain/stored-objects';

export interface MediaObject {
  info: StoredObjectInfo;
  /** The whole object when it is (now) held in memory; absent for objects too large to cache. */
  body: Buffer | null;
}

export interface MediaCacheStats {
  hits: number;
  misses: number;
  bytes: number;
  entries: number;
}

/**
 * Keeps recently served immutable media (segments, images, tracks) in memory, least recently used out first.
 * A class watches the same segments within minutes of each other, so most requests are served from one
 * write of a Buffer instead of an open/read/close per request (and, on S3, a round trip per request).
 * Callers drop a recording's entries whenever its state changes, so reprocessed or purged media is never served stale.
 */
export function createMediaCache(deps: { storage: Pick<MediaStorage, 'stat' | 'read'>; maxBytes: number; maxObjectBytes: number }) {
  const entries = new Map<string, { info: StoredObjectInfo; body: Buffer }>();
  const loading = new Map<string, Promise<MediaObject | null>>();
  let bytes = 0;
  let epoch = 0; // bumped by every invalidation, so a load that raced one is not stored
  const stats = { hits: 0, misses: 0 };

  function evictUntil(limit: number): void {
    for (const [key, entry] of entries) {
      if (bytes <= limit) return;
      entries.delete(key);
      bytes -= entry.body.length;
    }
  }

  async function load(key: string): Promise<MediaObject | null> {
    const info = await deps.storage.stat(key);
    if (!info) return null;
    if (info.size > deps.maxObjectBytes || info.size > deps.maxBytes) return { info, body: null };
    const startedAt = epoch;
    const body = await readStoredBytes(deps.storage, key);
    // A file replaced while it was read would be a mix of two versions: serve it this once, keep none of it.
    if (body.length !== info.size || startedAt !== epoch) return { info, body };
    evictUntil(deps.maxBytes - body.length);
    entries.set(key, { info, body });
    bytes += body.length;
    return { info, body };
  }

  return {
    async get(key: string): Promise<MediaObject | null> {
      const hit = entries.get(key);
      if (hit) {
        stats.hits++;
        entries.delete(key); // re-insert: Map order is the recency order
        entries.set(key, hit);
        return hit;
      }
      stats.misses++;
      let pending = loading.get(key);
      if (!pending) {
        pending = load(key).finally(() => loading.delete(key));
        loading.set(key, pending);
      }
      return pending;
    },

    invalidatePrefix(prefix: string): void {
      epoch++;
      for (const [key, entry] of entries) {
        if (!key.startsWith(prefix)) continue;
        entries.delete(key);
        bytes -= entry.body.length;
      }
    },

    stats(): MediaCacheStats {
      return { ...stats, bytes, entries: entries.size };
    },
  };
}

export type MediaCache = ReturnType<typeof createMediaCache>;
