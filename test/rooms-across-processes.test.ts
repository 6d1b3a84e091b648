import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeParticipant, startSyntheticMedia } from '../bench/sfu';
import { deriveKey } from '../src/adapters/crypto';
import { systemClock } from '../src/adapters/clock';
import { openDatabase } from '../src/adapters/db/database';
import { createDatabaseRoomHosts } from '../src/adapters/room-hosts/database-room-hosts';
import { createRedisRoomHosts } from '../src/adapters/room-hosts/redis-room-hosts';
import type { RoomHosts } from '../src/adapters/room-hosts/room-hosts';
import { signRoomGrant, verifyRoomGrant } from '../src/domain/room-grant';
import { parseMediaPlaylist } from '../src/domain/media/hls';
import { freePort, seedSchool, startAula, type TestAula } from './support/aula';
import { watchLiveHls } from './support/hls-viewers';
import { hasNginx, NGINX, type RunningNginx, startNginx } from './support/nginx';
import { freshPostgresDatabase, postgresUrl, redisUrl } from './support/services';
import { waitFor } from './support/wait';

const SECRET = 'rooms-across-shared-secret-0123456789abcdef';
const HOST_KEY = 'aula:room-host:';
const VIEWERS = 300;
const MAX_ORIGIN_PER_SEGMENT = 3;

interface RawSocket {
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
const RawWebSocket = createRequire(import.meta.url)('ws') as new (url: string, options?: { headers?: Record<string, string> }) => RawSocket;

/** Connects with the given headers and resolves with the close code and the error message sent before it. */
function closeOf(url: string, headers: Record<string, string>): Promise<{ code: number; error: string | null }> {
  return new Promise((resolve, reject) => {
    const ws = new RawWebSocket(url, { headers });
    let error: string | null = null;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; code?: string };
      if (m.type === 'error') error = m.code ?? null;
      else reject(new Error(`a forged connection was answered with ${m.type}`));
    });
    ws.on('close', (code) => resolve({ code, error }));
    ws.on('error', reject);
  });
}

if (!hasNginx) console.warn(`rooms across processes: ${NGINX} is missing (Debian nginx-light); skipped`);

describe.skipIf(!postgresUrl || !redisUrl || !hasNginx)('native rooms across two Aula processes behind nginx', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-rooms-across-'));
  const participants: NodeParticipant[] = [];
  const media: { stop(): void }[] = [];
  let a: TestAula;
  let b: TestAula;
  let nginx: RunningNginx | undefined;
  let nginxUrl = '';
  let redis: Redis;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;

  const join = async (url: string, liveClassId: string, token: string, count = false) => {
    const p = new NodeParticipant({ url, liveClassId, token, count });
    participants.push(p);
    await p.join();
    return p;
  };
  const newLiveClass = async (title: string) => {
    const cls = await a.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    expect(cls.status).toBe(201);
    const started = await a.api('POST', `/api/v1/live-classes/${cls.body.id}/start`);
    expect(started.status).toBe(200);
    return cls.body.id;
  };
  /** Resolves with the first chat message of `text` the participant receives from now on. */
  const heard = async (p: NodeParticipant, text: string): Promise<string> => {
    for (;;) {
      const m = (await p.next('chat')).message as { text: string; authorName?: string };
      if (m.text === text) return m.text;
    }
  };
  const byUrl = (url: string | null) => (url === a.url ? a : url === b.url ? b : null);

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    redis = new Redis(redisUrl!);
    await redis.flushdb();
    const ports = { a: await freePort(), b: await freePort(), nginx: await freePort() };
    nginxUrl = `http://127.0.0.1:${ports.nginx}`;
    // Users reach Aula at nginx's address; both processes use one media folder (a shared mount, or one S3 bucket).
    const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, AULA_SECRET: SECRET, AULA_TRUST_PROXY: '127.0.0.1', PUBLIC_URL: nginxUrl };
    mkdirSync(path.join(work, 'media'));
    for (const name of ['a', 'b']) {
      mkdirSync(path.join(work, name));
      symlinkSync(path.join(work, 'media'), path.join(work, name, 'media'));
    }
    a = await startAula({ ...env, PORT: String(ports.a) }, path.join(work, 'a'));
    b = await startAula({ ...env, PORT: String(ports.b) }, path.join(work, 'b'));
    nginx = await startNginx(path.join(work, 'nginx'), ports);
    school = await seedSchool(a, { studentsPerBatch: 2 });
  }, 90_000);

  afterAll(async () => {
    for (const m of media) m.stop();
    await Promise.allSettled(participants.map((p) => p.close()));
    await nginx?.close();
    await a?.close();
    await b?.close();
    redis?.disconnect();
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('puts an instructor and students joining through different processes in one room: roster, chat and media', async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Across processes');
    // Two sockets through nginx (round-robin with one worker: consecutive requests go to different processes).
    const instructor = await join(nginxUrl, classId, batch.instructor.token);
    const hostUrl = await redis.get(HOST_KEY + classId);
    const host = byUrl(hostUrl);
    expect(host, `the class is claimed by one of the processes (got ${hostUrl})`).not.toBeNull();
    const other = host === a ? b : a;
    const viaNginx = await join(nginxUrl, classId, batch.students[1]!.token);
    // And one directly at the process that does not host the room.
    const student = await join(other.url, classId, batch.students[0]!.token, true);

    const names = (m: { participants?: { name: string }[] }) => (m.participants ?? []).map((p) => p.name).sort();
    expect(names(student.welcome as never)).toEqual(['Instructor 1', 'Student 1.1', 'Student 1.2']);
    expect(await redis.get(HOST_KEY + classId)).toBe(host!.url);

    const tracks = await instructor.publish();
    media.push(await startSyntheticMedia(tracks, { kbps: 300, width: 320, height: 240 }));

    const atInstructor = heard(instructor, 'hello from the other process');
    const atOtherStudent = heard(viaNginx, 'hello from the other process');
    student.send({ type: 'chat', text: 'hello from the other process' });
    expect(await atInstructor).toBe('hello from the other process');
    expect(await atOtherStudent).toBe('hello from the other process');
    const atStudent = heard(student, 'welcome across');
    instructor.send({ type: 'chat', text: 'welcome across' });
    expect(await atStudent).toBe('welcome across');

    // Attendance asked of the process without the room is the host's (each process has its own data folder here).
    const attendance = await other.api<{ items: { userId: string; firstJoinedAt: string | null }[] }>('GET', `/api/v1/live-classes/${classId}/attendance`, { token: batch.instructor.token });
    expect(attendance.status).toBe(200);
    expect(attendance.body.items.filter((r) => r.firstJoinedAt !== null).map((r) => r.userId).sort()).toEqual(batch.students.map((st) => st.id).sort());
    const csv = await other.api<string>('GET', `/api/v1/live-classes/${classId}/attendance?format=csv`, { token: batch.instructor.token });
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="attendance-${classId}.csv"`);
    expect(csv.body.split('\r\n')[0]).toMatch(/^user_id,name,email/);
    const forged = await other.api('GET', `/api/v1/live-classes/${classId}/attendance`, { token: null, headers: { 'x-aula-room-grant': 'forged' } });
    expect(forged.status).toBe(401);

    await waitFor('the instructor\'s video and audio at the student on the other process', () => {
      const kinds = [...student.counters.entries()].filter(([, c]) => c.received > 30).map(([k]) => k.split(':')[0]);
      return kinds.includes('video') && kinds.includes('audio');
    }, 30_000);
    for (const m of media.splice(0)) m.stop();
    await Promise.all(participants.splice(0).map((p) => p.close()));

    // Both signaling sockets through nginx reached Aula, one on each process.
    const signalLines = () => nginx!.log().filter((l) => l.uri.includes(`/live-classes/${classId}/signal`));
    await waitFor('the signaling requests in nginx\'s log', () => signalLines().length >= 2, 10_000);
    const upstreams = signalLines().map((l) => l.upstream);
    expect(new Set(upstreams)).toEqual(new Set([new URL(a.url).host, new URL(b.url).host]));
  }, 90_000);

  it(`records a class opened through either process, and ${VIEWERS} live HLS viewers through nginx get every segment of every rendition while Aula serves each at most ${MAX_ORIGIN_PER_SEGMENT} times`, async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Lecture for a crowd');
    const instructor = await join(nginxUrl, classId, batch.instructor.token);
    media.push(await startSyntheticMedia(await instructor.publish(), { kbps: 300, width: 320, height: 240 }));
    // Classes record by themselves once live.
    const recordingId = await waitFor('the class\'s recording', async () => (await a.api<{ items: { id: string }[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`)).body.items[0]?.id, 10_000);
    const host = byUrl(await redis.get(HOST_KEY + classId))!;

    // Both processes (nginx alternates) give the class's audience one link, at nginx's address.
    const links = [];
    for (const student of batch.students) {
      const r = await waitFor('the audience link', async () => {
        const res = await fetch(`${nginxUrl}/api/v1/live-classes/${classId}/audience`, { headers: { authorization: `Bearer ${student.token}` } });
        return res.status === 200 ? ((await res.json()) as { url: string }) : null;
      }, 10_000);
      links.push(r.url);
    }
    expect(new Set(links).size).toBe(1);
    const masterUrl = links[0]!;
    expect(masterUrl.startsWith(`${nginxUrl}/live-media/`)).toBe(true);
    const direct = (url: string) => url.replace(nginxUrl, host.url);
    const playlistsAtHost = async () => {
      const master = await fetch(direct(masterUrl));
      if (master.status !== 200) return null;
      const uris = (await master.text()).split('\n').filter((l) => l.endsWith('.m3u8'));
      const base = direct(masterUrl).slice(0, direct(masterUrl).lastIndexOf('/') + 1);
      return Promise.all(uris.map(async (uri) => ({ uri, ...parseMediaPlaylist(await (await fetch(base + uri)).text()) })));
    };
    await waitFor('the first live segment', async () => ((await playlistsAtHost())?.[0]?.segments.length ?? 0) > 0, 20_000, 200);

    const watchedFrom = Date.now();
    // Viewers stop when every rendition has ended; the deadline only bounds a run where it never does.
    const watching = watchLiveHls(masterUrl, { viewers: VIEWERS, deadline: watchedFrom + 75_000 });
    // About 8 s of class, then it ends and the players follow the stream to its end. The live master lists the lower
    // renditions while the machine keeps up with making them, else the top one alone (they are made afterwards).
    const seen = new Map<string, number>();
    await waitFor('about 8 s of class', async () => {
      const lists = await playlistsAtHost();
      for (const l of lists ?? []) seen.set(l.uri, Math.max(seen.get(l.uri) ?? 0, l.segments.length));
      return Math.max(0, ...(lists ?? []).map((l) => l.segments.length)) >= 4;
    }, 30_000, 250);
    instructor.send({ type: 'end-class' });
    const viewers = await watching;
    const watchedSeconds = (Date.now() - watchedFrom) / 1000;
    console.log(`live renditions (segments seen): ${[...seen].map(([uri, n]) => `${uri} ${n}`).join(', ')}; ${VIEWERS} viewers watched ${watchedSeconds.toFixed(1)} s`);

    // The recording is ready; every viewer followed every rendition the master listed to its end, and nothing failed.
    const rec = await waitFor('the recording to be ready', async () => {
      const r = await a.api<{ status: string; outputs: { renditions: { name: string }[] } | null }>('GET', `/api/v1/recordings/${recordingId}`);
      return r.body.status === 'ready' ? r.body : null;
    }, 20_000, 200);
    expect(viewers.flatMap((v) => v.errors)).toEqual([]);
    const top = `${rec.outputs!.renditions[0]!.name}/index.m3u8`;
    // (When the lower renditions are made after the class, the recording's playlists are rewritten meanwhile: a viewer
    // stopping late sees those, one stopping early the live ones. Either way it has every segment they list.)
    const names = rec.outputs!.renditions.map((r) => `${r.name}/index.m3u8`);
    for (const v of viewers) {
      expect(v.renditions).toContain(top);
      for (const uri of v.renditions) {
        expect(names).toContain(uri);
        expect(v.ended.get(uri)).toBe(true);
        expect(v.lastListed.get(uri)!.filter((seg) => !v.fetched.get(uri)!.has(seg))).toEqual([]);
      }
    }

    // Aula's side of it: the requests nginx passed on, by file (the shared link's token set aside).
    const live = nginx!.log().filter((l) => l.uri.startsWith('/live-media/')).map((l) => ({ ...l, file: l.uri.split('/').slice(3).join('/') }));
    const origin = new Map<string, number>();
    for (const l of live) origin.set(l.file, (origin.get(l.file) ?? 0) + (l.upstream === null ? 0 : 1));
    const segments = [...origin].filter(([file]) => file.endsWith('.ts'));
    const fetched = viewers.reduce((sum, v) => sum + [...v.fetched.values()].reduce((n, set) => n + set.size, 0), 0);
    expect(live.filter((l) => l.file.endsWith('.ts') && l.status === 200).length).toBe(fetched);
    expect(segments.length).toBeGreaterThanOrEqual(seen.get(top)!);
    const perSegment = segments.map(([, n]) => n);
    console.log(`through nginx: ${live.length} live requests, ${[...origin.values()].reduce((a, n) => a + n, 0)} reached Aula; per segment at most ${Math.max(...perSegment)} (${segments.length} segments)`);
    expect(Math.min(...perSegment)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...perSegment), `origin requests per segment: ${perSegment.join(' ')}`).toBeLessThanOrEqual(MAX_ORIGIN_PER_SEGMENT);
    // A playlist reaches Aula about once a second however many watch.
    for (const [file, n] of origin) if (file.endsWith('.m3u8')) expect(n, file).toBeLessThanOrEqual(2 * watchedSeconds + 5);
    // The files came from both processes: the one recording the class and the other, reading the shared storage.
    const upstreams = new Set(live.filter((l) => l.upstream !== null && l.file.endsWith('.ts')).map((l) => l.upstream));
    expect(upstreams).toEqual(new Set([new URL(a.url).host, new URL(b.url).host]));
    for (const m of media.splice(0)) m.stop();
    await Promise.all(participants.splice(0).map((p) => p.close()));
  }, 150_000);

  it('refuses forwarded signaling with a forged or foreign grant', async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Forgery');
    const url = `${b.url.replace('http', 'ws')}/api/v1/live-classes/${classId}/signal`;
    const principal = { kind: 'user' as const, userId: batch.instructor.id, role: 'admin' as const, name: 'Mallory' };
    const expiresAtUnix = Math.floor(Date.now() / 1000) + 30;
    const wrongKey = signRoomGrant({ liveClassId: classId, host: b.url, principal, expiresAtUnix }, deriveKey('not-the-shared-secret-0123456789abcdef', 'room-grant'));
    const otherClass = signRoomGrant({ liveClassId: 'another-class', host: b.url, principal, expiresAtUnix }, deriveKey(SECRET, 'room-grant'));
    const expired = signRoomGrant({ liveClassId: classId, host: b.url, principal, expiresAtUnix: expiresAtUnix - 60 }, deriveKey(SECRET, 'room-grant'));
    for (const grant of ['forged', wrongKey, otherClass, expired]) {
      expect(await closeOf(url, { 'x-aula-room-grant': grant })).toEqual({ code: 4401, error: 'unauthenticated' });
    }
    // Through nginx as well: the header from outside is checked, never trusted.
    expect(await closeOf(`${nginxUrl.replace('http', 'ws')}/api/v1/live-classes/${classId}/signal`, { 'x-aula-room-grant': wrongKey })).toEqual({ code: 4401, error: 'unauthenticated' });
    expect(await redis.get(HOST_KEY + classId)).toBeNull();
  });

  it('takes over a class whose host no longer answers', async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Dead host');
    const dead = `http://127.0.0.1:${await freePort()}`;
    await redis.set(HOST_KEY + classId, dead, 'PX', 60_000);
    const instructor = await join(b.url, classId, batch.instructor.token);
    expect((instructor.welcome as { you: { role: string } }).you.role).toBe('host');
    expect(await redis.get(HOST_KEY + classId)).toBe(b.url);
    await Promise.all(participants.splice(0).map((p) => p.close()));
  }, 30_000);

  it('closes a room whose class another process has taken, so that its pages rejoin there', async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Claim lost');
    const ws = new RawWebSocket(`${b.url.replace('http', 'ws')}/api/v1/live-classes/${classId}/signal?token=${batch.instructor.token}`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => ws.on('message', (data) => JSON.parse(data.toString()).type === 'welcome' && resolve()));
    expect(await redis.get(HOST_KEY + classId)).toBe(b.url);
    // As if B could not renew for a whole lease and A took the class meanwhile.
    await redis.set(HOST_KEY + classId, a.url, 'PX', 60_000);
    expect(await closed).toBe(4003);
    expect(await redis.get(HOST_KEY + classId)).toBe(a.url);
  }, 30_000);

  it('reopens the class through the other process when its host goes away', async () => {
    const batch = school.batches[0]!;
    const classId = await newLiveClass('Host goes away');
    await join(a.url, classId, batch.instructor.token);
    expect(await redis.get(HOST_KEY + classId)).toBe(a.url);
    await join(b.url, classId, batch.students[0]!.token);
    await a.close();
    expect(await redis.get(HOST_KEY + classId)).toBeNull();
    await Promise.all(participants.splice(0).map((p) => p.close()));

    // Through nginx, which finds one process gone and uses the other.
    const instructor = await join(nginxUrl, classId, batch.instructor.token);
    const student = await join(nginxUrl, classId, batch.students[0]!.token);
    expect(await redis.get(HOST_KEY + classId)).toBe(b.url);
    const roster = (student.welcome as { participants: { name: string }[] }).participants.map((p) => p.name).sort();
    expect(roster).toEqual(['Instructor 1', 'Student 1.1']);
    const atInstructor = heard(instructor, 'still here');
    student.send({ type: 'chat', text: 'still here' });
    expect(await atInstructor).toBe('still here');
  }, 60_000);
});

/** Two processes' registries on one shared backend. */
type RegistryPair = { one: RoomHosts; two: RoomHosts; close(): Promise<void> };
const backends: { name: string; available: boolean; open(): Promise<RegistryPair> }[] = [
  {
    name: 'Redis',
    available: Boolean(redisUrl),
    async open() {
      const make = (self: string) => createRedisRoomHosts({ redisUrl: redisUrl!, self, leaseSeconds: 5 });
      const one = make('http://10.0.0.1:8080');
      const two = make('http://10.0.0.2:8080');
      return { one, two, close: async () => void (await Promise.all([one.close(), two.close()])) };
    },
  },
  ...(['sqlite', 'postgres'] as const).map((kind) => ({
    name: `the ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database`,
    available: kind === 'sqlite' || Boolean(postgresUrl),
    async open(): Promise<RegistryPair> {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-room-hosts-'));
      const pg = kind === 'postgres' ? await freshPostgresDatabase() : null;
      const opened = await openDatabase(pg ? { kind: 'postgres', url: pg.url } : { kind: 'sqlite', file: path.join(dir, 'aula.db') }, () => undefined);
      const make = (self: string) => createDatabaseRoomHosts({ db: opened.db, clock: systemClock, self, leaseSeconds: 5 });
      return {
        one: make('http://10.0.0.1:8080'),
        two: make('http://10.0.0.2:8080'),
        async close() {
          await opened.close();
          await pg?.drop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  })),
];

describe.each(backends)('room claims in $name', (backend) => {
  it.skipIf(!backend.available)('gives a class to exactly one of two processes claiming it at once, and frees it only for its holder', async () => {
    const { one, two, close } = await backend.open();
    try {
      const id = `claims-${Date.now()}`;
      const [c1, c2] = await Promise.all([one.claim(id), two.claim(id)]);
      expect([c1.ours, c2.ours].filter(Boolean)).toHaveLength(1);
      const [holder, loser] = c1.ours ? [one, two] : [two, one];
      expect(c1.ours ? c2 : c1).toEqual({ ours: false, host: holder.self });
      expect(await holder.claim(id)).toEqual({ ours: true });
      expect(await holder.renew([id])).toEqual([]);
      // Another process's release or eviction of someone else leaves the claim in place.
      await loser.release(id);
      await loser.evict(id, loser.self);
      expect(await loser.claim(id)).toEqual({ ours: false, host: holder.self });
      // Evicted (its holder found not answering): the other takes the class, and the old holder learns it lost it.
      await loser.evict(id, holder.self);
      expect(await loser.claim(id)).toEqual({ ours: true });
      expect(await holder.renew([id])).toEqual([id]);
      await loser.release(id);
      expect(await holder.claim(id)).toEqual({ ours: true });
      expect(await loser.holder(id)).toBe(holder.self);
      await holder.release(id);
      expect(await loser.holder(id)).toBeNull();
    } finally {
      await close();
    }
  });
});

describe('room grants', () => {
  const key = deriveKey(SECRET, 'room-grant');
  const grant = { liveClassId: 'class-1', host: 'http://10.0.0.2:8080', principal: { kind: 'user' as const, userId: 'u1', role: 'student' as const, name: 'Ada' }, expiresAtUnix: 2_000 };
  it('are honoured by the process they name until they expire, and by no other', () => {
    const token = signRoomGrant(grant, key);
    expect(verifyRoomGrant(token, key, grant.host, 1_999)).toEqual({ ok: true, grant });
    expect(verifyRoomGrant(token, key, grant.host, 2_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyRoomGrant(token, key, 'http://10.0.0.1:8080', 1_000)).toEqual({ ok: false, reason: 'wrong-host' });
    const [v, body, sig] = token.split('.');
    const promoted = Buffer.from(JSON.stringify({ ...grant, principal: { ...grant.principal, role: 'admin' } })).toString('base64url');
    expect(verifyRoomGrant(`${v}.${promoted}.${sig}`, key, grant.host, 1_000)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyRoomGrant(`${v}.${body}`, key, grant.host, 1_000)).toEqual({ ok: false, reason: 'malformed' });
  });
});
