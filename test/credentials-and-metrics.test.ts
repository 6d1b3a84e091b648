import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_KEY, login, seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo } from './support/media';

type Playback = { hls: string; mp4: string };
const METRICS_TOKEN = 'metrics-token-0123456789';

/** The cookies a response sets, as one Cookie header. */
const cookiesOf = (res: Headers) => res.getSetCookie().map((c) => c.split(';')[0]).join('; ');

describe('sessions, credentials, analytics and metrics', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;
  let offsetMs = 0;
  const clockNow = () => Date.now() + offsetMs;

  beforeAll(async () => {
    t = await startAula({ AULA_METRICS_TOKEN: METRICS_TOKEN }, undefined, { now: () => new Date(clockNow()) });
    school = await seedSchool(t, { studentsPerBatch: 2 });
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Credentials', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    const video = await readFile(await makeTestVideo(path.join(t.dataDir, 'c.mp4'), { seconds: 60, width: 320, height: 180 }));
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=c.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    recordingId = rec.body.id;
    await vi.waitFor(async () => {
      const r = await t.api<{ status: string; progress: { stage: string } | null }>('GET', `/api/v1/recordings/${recordingId}`);
      if (r.body.progress?.stage !== 'done') throw new Error(`still ${r.body.status}`);
    }, { timeout: 150_000, interval: 250 });
  }, 180_000);
  afterAll(() => t.close());

  const signIn = (email: string, password: string, cookie?: string) =>
    t.api<{ token: string; error?: { code: string } }>('POST', '/api/v1/auth/login', { token: null, body: { email, password }, headers: cookie ? { cookie } : {} });

  it("a stranger's guesses delay the email, but never the real user on a browser they signed in from before", async () => {
    const email = 'victim@example.org';
    await t.api('POST', '/api/v1/users', { body: { email, name: 'Victim', role: 'student', password: 'the-right-password' } });
    const known = await signIn(email, 'the-right-password');
    expect(known.status).toBe(200);
    const knownBrowser = cookiesOf(known.headers);
    expect(knownBrowser).toContain('aula_device=');
    for (let i = 0; i < 5; i++) expect((await signIn(email, `guess-${i}`)).status).toBe(401);
    const held = await signIn(email, 'guess-5');
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password from an unknown browser waits too, so the delay cannot be used as an oracle …
    expect((await signIn(email, 'the-right-password')).status).toBe(429);
    // … but the user's own browser signs in at once.
    expect((await signIn(email, 'the-right-password', knownBrowser)).status).toBe(200);
    // The delay is short and lifts by itself.
    offsetMs += 2_000;
    expect((await signIn(email, 'the-right-password')).status).toBe(200);
  });

  it('limits failed sign-ins per client address across emails', async () => {
    offsetMs += 16 * 60_000; // a fresh window, without the failures of the test before
    for (let i = 0; i < 30; i++) expect((await signIn(`nobody-${i}@example.org`, 'wrong-password')).status).toBe(401);
    const r = await signIn('someone-else@example.org', 'wrong-password');
    expect(r.status).toBe(429);
    offsetMs += 16 * 60_000;
    expect((await signIn('someone-else@example.org', 'wrong-password')).status).toBe(401);
  });

  it('changing a password ends every other session; an admin can sign a user out everywhere', async () => {
    const email = school.batches[0]!.students[1]!.email;
    const a = await login(t, email, 'student-pass');
    const b = await login(t, email, 'student-pass');
    const changed = await t.api<{ endedSessions: number }>('POST', '/api/v1/auth/password', { token: a, body: { currentPassword: 'student-pass', newPassword: 'a-new-password' } });
    expect(changed.status).toBe(200);
    expect(changed.body.endedSessions).toBeGreaterThanOrEqual(2);
    expect((await t.api('GET', '/api/v1/me', { token: a })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: b })).status).toBe(401);
    expect((await t.api('POST', '/api/v1/auth/password', { token: a, body: { currentPassword: 'wrong', newPassword: 'another-password' } })).status).toBe(401);

    const c = await login(t, email, 'a-new-password');
    const userId = school.batches[0]!.students[1]!.id;
    expect((await t.api('POST', `/api/v1/users/${userId}/sign-out-everywhere`)).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: a })).status).toBe(401);
    expect((await t.api('GET', '/api/v1/me', { token: c })).status).toBe(401);

    const d = await login(t, email, 'a-new-password');
    expect((await t.api('PATCH', `/api/v1/users/${userId}`, { body: { password: 'set-by-admin' } })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/me', { token: d })).status).toBe(401);
    school.batches[0]!.students[1]!.token = await login(t, email, 'set-by-admin');
  });

  it('revoking an API key ends the playback links issued to it, and records its last use', async () => {
    const created = await t.api<{ id: string; key: string }>('POST', '/api/v1/api-keys', { body: { name: 'LMS' } });
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: created.body.key });
    expect(pb.status).toBe(200);
    expect((await fetch(pb.body.hls)).status).toBe(200);
    const keys = await t.api<{ items: { id: string; lastUsedAt: string | null }[] }>('GET', '/api/v1/api-keys');
    expect(keys.body.items.find((k) => k.id === created.body.id)?.lastUsedAt).toEqual(expect.any(String));
    expect((await t.api('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    offsetMs += 6_000;
    expect((await fetch(pb.body.hls)).status).toBe(403);
  });

  it('removal from the batch ends links; re-enrolment makes new links work at once', async () => {
    const student = school.batches[0]!.students[0]!;
    const first = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student.token });
    expect((await fetch(first.body.hls)).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/batches/${school.batches[0]!.id}/students/${student.id}`)).status).toBe(204);
    offsetMs += 31_000;
    expect((await fetch(first.body.hls)).status).toBe(403);
    expect((await t.api('POST', `/api/v1/batches/${school.batches[0]!.id}/students`, { body: { userId: student.id } })).status).toBe(201);
    const again = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student.token });
    expect(again.status).toBe(200);
    expect((await fetch(again.body.hls)).status).toBe(200);
    expect((await fetch(first.body.hls)).status).toBe(200);
  });

  it('an invalid Authorization header never skips the viewer check of a copied link', async () => {
    const owner = school.batches[0]!.students[0]!;
    const other = school.batches[0]!.students[1]!;
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: owner.token });
    const otherBrowser = cookiesOf((await t.api('GET', `/api/v1/recordings/${recordingId}/playback`, { token: other.token })).headers);
    expect(otherBrowser).toContain('aula_viewer=');
    for (const authorization of [undefined, 'Bearer not-a-token', 'Bearer aula_t_forged', 'Basic Zm9vOmJhcg==', 'garbage']) {
      const res = await fetch(pb.body.hls, { headers: { cookie: otherBrowser, ...(authorization && { authorization }) } });
      expect(res.status, String(authorization)).toBe(403);
    }
  });

  it('parallel sessions of one viewer cannot credit more watch time than the clock', async () => {
    const student = school.batches[0]!.students[0]!;
    const sessions = Array.from({ length: 5 }, (_, i) => `fake-session-${i}-abcdef`);
    const beat = (sessionId: string, position: number, event?: string) =>
      t.api('POST', `/api/v1/recordings/${recordingId}/progress`, { token: student.token, body: { sessionId, position, playing: true, ...(event && { event }) } });
    for (const [i, id] of sessions.entries()) expect((await beat(id, i * 5, 'play')).status).toBe(200);
    // 3 rounds of 10 s of clock; each session claims 10 s of its own stretch every round.
    for (let round = 1; round <= 3; round++) {
      offsetMs += 10_000;
      for (const [i, id] of sessions.entries()) expect((await beat(id, i * 5 + round * 10)).status).toBe(200);
    }
    for (const [i, id] of sessions.entries()) await beat(id, i * 5 + 30, 'pause');
    const analytics = await t.api<{ totalWatchSeconds: number; viewers: { userId: string; watchedSeconds: number; timeSpentSeconds: number }[] }>('GET', `/api/v1/recordings/${recordingId}/analytics`);
    const mine = analytics.body.viewers.find((v) => v.userId === student.id)!;
    // 30 s of clock passed: credited time within 30 s (+ tolerance), watched within 2× speed of it.
    expect(mine.timeSpentSeconds).toBeLessThanOrEqual(32);
    expect(mine.watchedSeconds).toBeLessThanOrEqual(62);
    expect(mine.watchedSeconds).toBeGreaterThanOrEqual(10);
  });

  it('/metrics needs the metrics token and shows operations, not only HTTP', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(401);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/aula_recordings\{provider="upload",state="ready"\} 1/);
    expect(text).toMatch(/aula_job_attempts_total\{job="process-recording",outcome="done"\} \d/);
    expect(text).toMatch(/aula_recording_time_to_playable_seconds_count\{provider="upload"\} 1/);
    expect(text).toMatch(/aula_ffmpeg_realtime_factor_count\{stage="[a-z-]+"\} \d/);
    expect(text).toMatch(/aula_jobs/);
    expect(text).toMatch(/aula_live_rooms 0/);
    expect(text).toMatch(/aula_live_participants 0/);
    expect(text).toMatch(/# TYPE aula_webhook_deliveries_refused_total counter/);
  });
});
