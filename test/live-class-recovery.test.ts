import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { ADMIN_KEY, freePort, seedSchool, startAula } from './support/aula';
import { launchChromium } from './support/browser';
import { waitFor } from './support/wait';
import { mediaDuration } from './support/media';

const run = promisify(execFile);

interface Rec {
  id: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number | null;
  hasSourceChat: boolean;
}


type Api = <T>(method: string, p: string, body?: unknown, token?: string) => Promise<{ status: number; body: T }>;

/** A course, a lesson, a batch with an instructor and a student, through the public API of a running Aula. */
async function seedOverHttp(api: Api) {
  const post = async <T>(p: string, body: unknown, token?: string): Promise<T> => {
    const r = await api<T>('POST', p, body, token);
    if (r.status >= 300) throw new Error(`POST ${p} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const course = await post<{ id: string }>('/api/v1/courses', { title: 'Course' });
  const chapter = await post<{ id: string }>(`/api/v1/courses/${course.id}/chapters`, { title: 'Chapter' });
  const lesson = await post<{ id: string }>(`/api/v1/chapters/${chapter.id}/lessons`, { title: 'Lesson' });
  const batch = await post<{ id: string }>('/api/v1/batches', { name: 'Batch', courseIds: [course.id] });
  const instructor = await post<{ id: string }>('/api/v1/users', { email: 'inst@example.test', name: 'Instructor', role: 'instructor', password: 'instructor-pass' });
  const student = await post<{ id: string }>('/api/v1/users', { email: 'stu@example.test', name: 'Student', role: 'student', password: 'student-pass' });
  await post(`/api/v1/batches/${batch.id}/instructors`, { userId: instructor.id });
  await post(`/api/v1/batches/${batch.id}/students`, { userId: student.id });
  const login = async (email: string, password: string) => (await post<{ token: string }>('/api/v1/auth/login', { email, password }, '')).token;
  return {
    lessons: [lesson],
    batches: [{ id: batch.id, instructor: { token: await login('inst@example.test', 'instructor-pass') }, students: [{ token: await login('stu@example.test', 'student-pass') }] }],
  };
}

async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0;
    const report = await window.aulaLive?.subscriber?.getStats();
    report?.forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
    });
    return frames;
  });
}

describe('native live class: interruptions', () => {
  it('Aula killed mid-class: after a restart the part recorded before the kill is a playable recording, the pages rejoin by themselves and recording goes on', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aula-live-kill-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { ...process.env, AULA_DATA_DIR: dataDir, PORT: String(port), AULA_DEMO: '0', AULA_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', AULA_JOB_BACKOFF_MS: '100' },
        stdio: 'ignore',
      });
    const healthy = () => waitFor('Aula to answer', async () => (await fetch(`${url}/health`).catch(() => null))?.ok, 30_000);
    const api: Api = async <T>(method: string, p: string, body?: unknown, token = ADMIN_KEY) => {
      const res = await fetch(url + p, { method, headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as T };
    };
    let child = start();
    const chrome = await launchChromium({ media: true });
    try {
      await healthy();
      const school = await seedOverHttp(api);
      const batch = school.batches[0]!;
      const cls = await api<{ id: string }>('POST', '/api/v1/live-classes', { title: 'Interrupted class', batchId: batch.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord: true });
      const classId = cls.body.id;

      const host = await chrome.browser.newPage();
      await host.goto(`${url}/live/${classId}?token=${batch.instructor.token}`);
      await host.waitForSelector('#start-class:not([hidden])', { timeout: 20_000 });
      await host.click('#start-class');
      await host.waitForSelector('#recording-status:not([hidden])', { timeout: 15_000 });
      const student = await chrome.browser.newPage();
      await student.goto(`${url}/live/${classId}?token=${batch.students[0]!.token}`);
      await student.waitForSelector('video.remote', { timeout: 20_000 });
      await student.fill('#chat-input', 'Before the crash');
      await student.press('#chat-input', 'Enter');
      await host.waitForSelector('#chat-log li', { timeout: 10_000 });

      const recs = await api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`);
      const first = recs.body.items[0]!;
      expect(first.status).toBe('recording');
      // Two segments recorded, a pause of 4 s, then three segments more before the kill.
      const topPlaylist = path.join(dataDir, 'media', recordingLayout(first.id).renditionPlaylist('720p'));
      const uploadedSegments = () => (existsSync(topPlaylist) ? readFileSync(topPlaylist, 'utf8').split('\n').filter((l) => l.endsWith('.ts')).length : 0);
      await waitFor('two segments recorded', async () => uploadedSegments() >= 2, 20_000);
      expect((await api('POST', `/api/v1/recordings/${first.id}/pause`, {})).status).toBe(200);
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, 4_000));
      expect((await api('POST', `/api/v1/recordings/${first.id}/resume`, {})).status).toBe(200);
      const pausedSeconds = (Date.now() - pausedAt) / 1000;
      const beforeResume = uploadedSegments();
      await waitFor('three segments recorded after the pause', async () => uploadedSegments() >= beforeResume + 3, 20_000);

      const killedAt = Date.now();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      child = start();
      await healthy();

      // The interrupted recording becomes playable from what was uploaded and what the encoder flushed.
      const recovered = await waitFor('the interrupted recording to be ready', async () => {
        const r = await api<Rec>('GET', `/api/v1/recordings/${first.id}`);
        return r.body.status === 'ready' ? r.body : null;
      }, 30_000);
      const recordedSeconds = (killedAt - Date.parse(first.startedAt)) / 1000 - pausedSeconds;
      expect(recovered.durationSeconds).toBeGreaterThan(recordedSeconds - 3);
      expect(recovered.durationSeconds).toBeLessThan(recordedSeconds + 1);
      // It ended when its last whole segment was written, not its length after the start (which leaves out the pause).
      expect(Date.parse(recovered.endedAt!)).toBeGreaterThan(killedAt - 3_000);
      expect(Date.parse(recovered.endedAt!)).toBeLessThanOrEqual(killedAt + 1_000);
      const playback = await api<{ hls: string }>('GET', `/api/v1/recordings/${first.id}/playback`);
      expect(playback.status).toBe(200);
      expect(Math.abs((await mediaDuration(playback.body.hls)) - recovered.durationSeconds!)).toBeLessThan(1);
      expect(recovered.hasSourceChat).toBe(true);
      const chatFile = path.join(dataDir, 'media', recordingLayout(first.id).sourceChat);
      await waitFor('the chat transcript', async () => existsSync(chatFile), 5_000);
      expect(readFileSync(chatFile, 'utf8')).toContain('Before the crash');

      // Both pages reconnect without a reload; the student receives the instructor's video again.
      for (const page of [host, student]) {
        await waitFor('the page to rejoin', async () => (await page.evaluate(() => window.aulaLive?.state)) === 'joined' && (await page.evaluate(() => window.aulaLive?.reconnects ?? 0)) > 0, 30_000);
      }
      const before = await waitFor('video after the restart', async () => (await framesDecoded(student)) || null, 20_000);
      await waitFor('frames decoded after the restart', async () => (await framesDecoded(student)) > before + 10, 20_000);

      // An auto-recorded class records again once its instructor is back: a second recording.
      const second = await waitFor('a new recording after the restart', async () => {
        const r = await api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`);
        return r.body.items.find((x) => x.id !== first.id && x.status === 'recording') ?? null;
      }, 20_000);
      expect(second).toBeTruthy();
      await host.close();
      await student.close();
    } finally {
      await chrome.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 115_000);

  it("when the instructor's browser disappears the class waits the grace period, then ends and its recording is finalised", async () => {
    const t = await startAula({ AULA_LIVE_GRACE_SECONDS: '4' });
    const chrome = await launchChromium({ media: true });
    try {
      const school = await seedSchool(t);
      const batch = school.batches[0]!;
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Grace', batchId: batch.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30, autoRecord: true } });
      const host = await chrome.browser.newPage();
      await host.goto(`${t.url}/live/${cls.body.id}?token=${batch.instructor.token}`);
      await host.waitForSelector('#start-class:not([hidden])', { timeout: 20_000 });
      await host.click('#start-class');
      await host.waitForSelector('#recording-status:not([hidden])', { timeout: 15_000 });
      const student = await chrome.browser.newPage();
      await student.goto(`${t.url}/live/${cls.body.id}?token=${batch.students[0]!.token}`);
      await student.waitForSelector('video.remote', { timeout: 20_000 });
      await new Promise((r) => setTimeout(r, 5_000));

      await host.close();
      const goneAt = Date.now();
      await expect.poll(() => student.textContent('#live-message'), { timeout: 5_000 }).toMatch(/instructor's connection dropped/);
      expect((await t.api<{ status: string }>('GET', `/api/v1/live-classes/${cls.body.id}`)).body.status).toBe('live');
      const ended = await waitFor('the class to end', async () => {
        const r = await t.api<{ status: string; endedAt: string }>('GET', `/api/v1/live-classes/${cls.body.id}`);
        return r.body.status === 'ended' ? r.body : null;
      }, 20_000);
      expect(Date.parse(ended.endedAt) - goneAt).toBeGreaterThan(3_500);
      const rec = await waitFor('the recording to be ready', async () => {
        const r = await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${cls.body.id}`);
        return r.body.items[0]?.status === 'ready' ? r.body.items[0] : null;
      }, 10_000);
      expect(rec.durationSeconds).toBeGreaterThan(8);
      await expect.poll(() => student.textContent('#live-message'), { timeout: 10_000 }).toMatch(/did not come back/);
    } finally {
      await chrome.close();
      await t.close();
    }
  }, 90_000);
});
