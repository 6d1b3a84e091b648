import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { createMediaCache } from '../src/services/media-cache';

describe('media cache over local storage', () => {
  const dirs: string[] = [];
  const storage = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aula-cache-'));
    dirs.push(dir);
    return new LocalMediaStorage(dir);
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

  it('serves the stored bytes, from memory after the first read, and reports a missing object as null', async () => {
    const s = storage();
    await s.putBuffer('recordings/a/hls/720p/seg_00000.ts', bytes(300_000, 7));
    const cache = createMediaCache({ storage: s, maxBytes: 1_000_000, maxObjectBytes: 500_000 });
    const first = await cache.get('recordings/a/hls/720p/seg_00000.ts');
    expect(first?.info.size).toBe(300_000);
    expect(first?.body?.equals(bytes(300_000, 7))).toBe(true);
    await s.delete('recordings/a/hls/720p/seg_00000.ts');
    const second = await cache.get('recordings/a/hls/720p/seg_00000.ts');
    expect(second?.body?.equals(bytes(300_000, 7))).toBe(true);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1, bytes: 300_000 });
    expect(await cache.get('recordings/a/hls/720p/seg_00001.ts')).toBeNull();
  });

  it('evicts the least recently used objects to stay within its memory, and never holds objects over the size limit', async () => {
    const s = storage();
    for (const n of [0, 1, 2]) await s.putBuffer(`recordings/a/seg_${n}.ts`, bytes(400_000, n));
    await s.putBuffer('recordings/a/download.mp4', bytes(600_000, 9));
    const cache = createMediaCache({ storage: s, maxBytes: 1_000_000, maxObjectBytes: 500_000 });
    await cache.get('recordings/a/seg_0.ts');
    await cache.get('recordings/a/seg_1.ts');
    await cache.get('recordings/a/seg_0.ts'); // seg_1 is now the least recently used
    await cache.get('recordings/a/seg_2.ts');
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 800_000 });
    const big = await cache.get('recordings/a/download.mp4');
    expect(big).toEqual({ info: expect.objectContaining({ size: 600_000 }), body: null });
    const before = cache.stats().misses;
    await cache.get('recordings/a/seg_0.ts');
    await cache.get('recordings/a/seg_2.ts');
    expect(cache.stats().misses).toBe(before); // both still held
    await cache.get('recordings/a/seg_1.ts');
    expect(cache.stats().misses).toBe(before + 1); // evicted earlier, read again
    expect(cache.stats().bytes).toBeLessThanOrEqual(1_000_000);
  });

  it("drops a recording's objects when told, so rewritten media is read again", async () => {
    const s = storage();
    await s.putBuffer('recordings/a/poster.jpg', bytes(1000, 1));
    await s.putBuffer('recordings/b/poster.jpg', bytes(1000, 2));
    const cache = createMediaCache({ storage: s, maxBytes: 1_000_000, maxObjectBytes: 500_000 });
    await cache.get('recordings/a/poster.jpg');
    await cache.get('recordings/b/poster.jpg');
    await s.putBuffer('recordings/a/poster.jpg', bytes(2000, 3));
    cache.invalidatePrefix('recordings/a/');
    const again = await cache.get('recordings/a/poster.jpg');
    expect(again?.body?.equals(bytes(2000, 3))).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 3000 });
  });

  it('reads an object once for many simultaneous requests', async () => {
    const s = storage();
    await s.putBuffer('recordings/a/seg_0.ts', bytes(200_000, 4));
    let reads = 0;
    const counting = { stat: (k: string) => s.stat(k), read: (k: string) => { reads++; return s.read(k); } };
    const cache = createMediaCache({ storage: counting, maxBytes: 1_000_000, maxObjectBytes: 500_000 });
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.get('recordings/a/seg_0.ts')));
    expect(reads).toBe(1);
    expect(all.every((o) => o?.body?.length === 200_000)).toBe(true);
  });
});
