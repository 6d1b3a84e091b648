import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo } from './support/media';
import { freshPostgresDatabase, postgresUrl, redisUrl } from './support/services';
import { waitFor } from './support/wait';

/** Two Aula processes' worth of wiring on one PostgreSQL database, one Redis and one media folder. */
describe.skipIf(!postgresUrl || !redisUrl)('scale-out: PostgreSQL, Redis (BullMQ) and two Aula instances', () => {
  let a: TestAula;
  let b: TestAula;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  const shared = mkdtempSync(path.join(os.tmpdir(), 'aula-scale-'));
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    const redis = new Redis(redisUrl!);
    await redis.flushdb();
    redis.disconnect();
    const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, AULA_SECRET: 'scale-out-shared-secret-0123456789abcdef', AULA_JOB_BACKOFF_MS: '50' };
    a = await startAula(env, shared);
    b = await startAula(env, shared);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    rmSync(shared, { recursive: true, force: true });
  });

  it('runs the catalog and lesson page on PostgreSQL through either instance', async () => {
    const school = await seedSchool(a, { batches: 2 });
    const token = await login(b, school.batches[0]!.students[0]!.email, 'student-pass');
    const course = await b.api<{ chapters: { lessons: unknown[] }[] }>('GET', `/api/v1/courses/${school.course.id}`, { token });
    expect(course.status).toBe(200);
    expect(course.body.chapters[0]!.lessons).toHaveLength(2);
    const other = await b.api('GET', `/api/v1/batches/${school.batches[1]!.id}`, { token });
    expect(other.status).toBe(403);
  });

  it('processes an upload made on one instance with BullMQ, tells the other instance\'s console, and plays from either', async () => {
    const school = await seedSchool(a);
    const staff = school.batches[0]!.instructor.token;
    const events: { status: string; recordingId: string }[] = [];
    const controller = new AbortController();
    let connected!: () => void;
    const subscribed = new Promise<void>((resolve) => (connected = resolve));
    // The console is connected to instance B; the upload goes to instance A.
    const stream = fetch(`${b.url}/api/v1/events?token=${staff}`, { signal: controller.signal }).then(async (res) => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        // The stream opens with a comment once B has subscribed the console to the change feed.
        connected();
        buf += decoder.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          if (data) events.push(JSON.parse(data.slice(6)) as { status: string; recordingId: string });
        }
      }
    }).catch(() => undefined);
    await subscribed;

    const cls = await a.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Scaled', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 10 },
    });
    const video = await readFile(await makeTestVideo(path.join(shared, 'scale.mp4'), { seconds: 3 }));
    const rec = await a.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=scale.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    expect(rec.status).toBe(201);
    await waitFor('a ready event on instance B', () => events.some((e) => e.recordingId === rec.body.id && e.status === 'ready'), 60_000);
    controller.abort();
    await stream;

    const student = school.batches[0]!.students[0]!.token;
    const list = await b.api<{ items: { id: string }[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings`, { token: student });
    expect(list.body.items.map((r) => r.id)).toEqual([rec.body.id]);
    const pb = await a.api<{ hls: string }>('GET', `/api/v1/recordings/${rec.body.id}/playback`, { token: student });
    // A URL signed by A is honoured by B: both share AULA_SECRET.
    const onB = pb.body.hls.replace(a.url, b.url);
    const master = await fetch(onB);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXT-X-STREAM-INF');
    const job = await a.api<{ job: { status: string; attempts: number } | null }>('GET', `/api/v1/recordings/${rec.body.id}`);
    expect(job.body.job).not.toBeNull();

    // The player's heartbeats reach both instances in turn (no sticky sessions): one session, measured once.
    const sessionId = `scale-session-${Date.now()}`;
    const beats: [number, string][] = [[0, 'play'], [0.5, 'heartbeat'], [1, 'heartbeat'], [1.5, 'pause']];
    const beatsFrom = Date.now();
    for (const [i, [position, event]] of beats.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, 500));
      const target = i % 2 === 0 ? a : b;
      const r = await target.api('POST', `/api/v1/recordings/${rec.body.id}/progress`, { token: student, body: { sessionId, position, playing: event !== 'pause', event } });
      expect(r.status).toBe(200);
    }
    const beatsSeconds = (Date.now() - beatsFrom) / 1000;
    const analytics = await b.api<{ views: number; totalWatchSeconds: number; viewers: { watchedSeconds: number }[] }>('GET', `/api/v1/recordings/${rec.body.id}/analytics`, { token: staff });
    expect(analytics.body.views).toBe(1);
    // Each instance measuring only its own heartbeats would see half of them and keep one second of the 1.5.
    expect(analytics.body.viewers[0]!.watchedSeconds).toBeGreaterThan(1.3);
    expect(analytics.body.viewers[0]!.watchedSeconds).toBeLessThan(1.7);
    expect(analytics.body.totalWatchSeconds).toBeGreaterThan(1.3);
    // Time spent is wall-clock time between the play and the pause, which a busy machine makes longer than 1.5 s.
    expect(analytics.body.totalWatchSeconds).toBeLessThanOrEqual(Math.round(beatsSeconds * 10) / 10 + 0.1);
  });
});

describe.skipIf(!postgresUrl)('durable database queue on PostgreSQL with two workers', () => {
  it('gives each job to exactly one of two instances', async () => {
    const database = await freshPostgresDatabase();
    const shared = mkdtempSync(path.join(os.tmpdir(), 'aula-pgqueue-'));
    const env = { DATABASE_URL: database.url, AULA_SECRET: 'pg-queue-shared-secret-0123456789abcdef', AULA_JOB_BACKOFF_MS: '50' };
    const a = await startAula(env, shared);
    const b = await startAula(env, shared);
    try {
      const school = await seedSchool(a);
      const cls = await a.api<{ id: string }>('POST', '/api/v1/live-classes', {
        body: { title: 'Queue', batchId: school.batches[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 10 },
      });
      const video = await readFile(await makeTestVideo(path.join(shared, 'q.mp4'), { seconds: 2 }));
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const target = i % 2 === 0 ? a : b;
        ids.push((await target.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=q.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } })).body.id);
      }
      const deadline = Date.now() + 90_000;
      for (const id of ids) {
        for (;;) {
          const r = await a.api<{ status: string; progress: { stage: string } | null; job: { status: string; attempts: number } }>('GET', `/api/v1/recordings/${id}`);
          if (r.body.status === 'ready' && r.body.job.status === 'done') {
            expect(r.body.job.attempts).toBe(1);
            break;
          }
          if (Date.now() > deadline) throw new Error(`recording ${id}: ${JSON.stringify(r.body)}`);
          await new Promise((res) => setTimeout(res, 200));
        }
        const events = await a.api<{ items: { to: string }[] }>('GET', `/api/v1/recordings/${id}/events`);
        expect(events.body.items.filter((e) => e.to === 'ready')).toHaveLength(1);
      }
    } finally {
      await a.close();
      await b.close();
      await database.drop();
      rmSync(shared, { recursive: true, force: true });
    }
  }, 120_000);
});
