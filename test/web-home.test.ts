import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

interface HomeBody {
  continueWatching: { id: string; lastPosition: number; part: { number: number; of: number } | null; liveClass: { lessonId: string | null } }[];
  classes: { id: string; phase: string; joinPath: string | null; provider: string }[];
  newRecordings: { id: string; part: { number: number; of: number } | null }[];
  since: string | null;
  lessons: { lessonId: string; recordings: number; watched: number; started: number }[];
}

describe('student home, lesson navigation and the recording page', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let clockOffsetMs = 0;
  let lectureId: string;
  let parts: [string, string];
  let liveId: string;
  let soonId: string;
  let otherBatchClassId: string;
  const student = () => school.batches[0]!.students[0]!;
  const home = (token = student().token) => t.api<HomeBody>('GET', '/api/v1/me/home', { token });

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula({}, undefined, { now: () => new Date(Date.now() + clockOffsetMs) }), launchChromium()]);
    school = await seedSchool(t, { batches: 2, lessons: 3 });
    const file = await makeTestVideo(path.join(t.dataDir, 'lecture.mp4'), { seconds: 20 });
    lectureId = await scheduleClass(t, { title: 'Week 2 lecture', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    const at = (h: number, m: number) => { const d = new Date(); d.setHours(h, m, 0, 0); d.setDate(d.getDate() - 1); return d.toISOString(); };
    parts = [await uploadRecording(t, lectureId, file, { startedAt: at(19, 2) }), await uploadRecording(t, lectureId, file, { startedAt: at(19, 57) })];
    await waitUntilProcessed(t, parts);
    liveId = await scheduleClass(t, { title: 'Office hours', batchId: school.batches[0]!.id, provider: 'native', autoRecord: false });
    expect((await t.api('POST', `/api/v1/live-classes/${liveId}/start`)).status).toBe(200);
    soonId = await scheduleClass(t, { title: 'Week 3 lecture', batchId: school.batches[0]!.id, lessonId: school.lessons[1]!.id, provider: 'native', startsAt: new Date(Date.now() + 10 * 60_000 + 20_000).toISOString(), durationMinutes: 60 });
    otherBatchClassId = await scheduleClass(t, { title: 'Not yours', batchId: school.batches[1]!.id, provider: 'native', startsAt: new Date(Date.now() + 3_600_000).toISOString() });
  }, 180_000);

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  async function signedInPage(viewport: { width: number; height: number }): Promise<Page> {
    const context = await chrome.browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${t.url}/login`);
    await page.fill('input[name=email]', student().email);
    await page.fill('input[name=password]', 'student-pass');
    await page.click('button[type=submit]');
    await page.waitForSelector('#who');
    return page;
  }

  it('GET /api/v1/me/home: new recordings with part numbers, live and upcoming classes of the batch only, lesson counts', async () => {
    const r = await home();
    expect(r.status).toBe(200);
    expect(r.body.since).toBeNull();
    expect(r.body.newRecordings.map((n) => [n.id, n.part])).toEqual([[parts[1], { number: 2, of: 2 }], [parts[0], { number: 1, of: 2 }]]);
    expect(r.body.classes.map((c) => [c.id, c.phase, c.joinPath])).toEqual([[liveId, 'live', `/live/${liveId}`], [soonId, 'upcoming', null]]);
    expect(r.body.classes.map((c) => c.id)).not.toContain(otherBatchClassId);
    expect(r.body.lessons).toEqual([{ lessonId: school.lessons[0]!.id, recordings: 2, watched: 0, started: 0 }]);
    expect(r.body.continueWatching).toEqual([]);
    // The other batch's student sees none of it.
    const other = await home(school.batches[1]!.students[0]!.token);
    expect(other.body.newRecordings).toEqual([]);
    expect(other.body.classes.map((c) => c.id)).toEqual([otherBatchClassId]);
    expect((await t.api('GET', '/api/v1/me/home', { token: null })).status).toBe(401);
  });

  it('a recording left part-way appears under "Continue watching" with its resume point, and opens the player there', async () => {
    const sessionId = 'home-test-session-1';
    for (const [position, event] of [[0, 'play'], [8, 'heartbeat'], [8, 'pause']] as const) {
      const hb = await t.api('POST', `/api/v1/recordings/${parts[0]}/progress`, { token: student().token, body: { sessionId, position, playing: event !== 'pause', event } });
      expect(hb.status).toBe(200);
    }
    const r = await home();
    expect(r.body.continueWatching.map((c) => [c.id, c.lastPosition])).toEqual([[parts[0], 8]]);

    const page = await signedInPage({ width: 1280, height: 800 });
    const live = page.locator(`[data-class-id="${liveId}"]`);
    await live.waitFor();
    expect(await live.locator('.badge.live').textContent()).toBe('Live now');
    expect(await live.locator('a.join').getAttribute('href')).toBe(`/live/${liveId}`);
    expect(await live.textContent()).toContain('In Aula');
    expect(await page.locator(`[data-class-id="${soonId}"] .starts-in`).textContent()).toBe('Starts in 10 min');
    const lessonRow = page.locator(`[data-lesson-id="${school.lessons[0]!.id}"] .lesson-state`);
    expect(await lessonRow.textContent()).toBe('2 recordings · 0 watched');
    expect(await page.locator(`[data-lesson-id="${school.lessons[2]!.id}"] .lesson-state`).textContent()).toBe('No recordings yet');
    const newTitles = await page.locator('#new .recording-card h3').allTextContents();
    expect(newTitles).toEqual([expect.stringMatching(/^Week 2 lecture · part 2 · 19:57$/), expect.stringMatching(/^Week 2 lecture · part 1 · 19:02$/)]);

    const resume = page.locator(`#continue a.recording-card[data-recording-id="${parts[0]}"]`);
    expect(await resume.locator('.continue').textContent()).toBe('Resume at 00:08');
    await resume.click();
    await page.waitForSelector('video#player');
    await page.waitForFunction(() => Math.abs((window.aulaPlayer?.video.currentTime ?? 0) - 8) < 1, undefined, { timeout: 15_000 });
    // The player has focus, so its shortcuts work at once.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('player-stage'))).toBe(true);
    // Previous and next lesson.
    expect(await page.locator('.lesson-nav-next').getAttribute('href')).toBe(`/lessons/${school.lessons[1]!.id}`);
    expect(await page.locator('.lesson-nav-prev').textContent()).toBe('First lesson');
    await page.click('.lesson-nav-next');
    await page.waitForURL((u) => u.pathname === `/lessons/${school.lessons[1]!.id}`);
    await page.waitForSelector('.lesson-nav-prev[href]');
    // That lesson's upcoming class is on its page too, and only there.
    const lessonClass = page.locator(`#lesson-classes [data-class-id="${soonId}"]`);
    await lessonClass.waitFor();
    expect(await lessonClass.locator('.starts-in').textContent()).toMatch(/^Starts in \d+ min$/);
    expect(await page.locator(`#lesson-classes [data-class-id="${liveId}"]`).count()).toBe(0);
    expect(await page.locator('.lesson-nav-where').textContent()).toBe('Chapter 1 · lesson 2 of 3');
    await page.context().close();
  });

  it('the recording page shows its title with part and time, class, date and lesson link, and resumes', async () => {
    const page = await signedInPage({ width: 390, height: 844 });
    await page.goto(`${t.url}/recordings/${parts[0]}`);
    await page.waitForSelector('video#player');
    expect(await page.textContent('h1')).toBe('Week 2 lecture · part 1 · 19:02');
    expect(await page.textContent('.recording-facts .class-title')).toBe('Week 2 lecture');
    expect(await page.locator('.recording-facts time').getAttribute('datetime')).toBeTruthy();
    expect(await page.locator('.breadcrumb a.lesson-link').getAttribute('href')).toBe(`/lessons/${school.lessons[0]!.id}?recording=${parts[0]}`);
    await page.waitForFunction(() => Math.abs((window.aulaPlayer?.video.currentTime ?? 0) - 8) < 1, undefined, { timeout: 15_000 });
    expect(await page.textContent('.resume-note')).toContain('Resuming at 00:08');
    const view = await t.api<{ part: unknown; lesson: { id: string } | null }>('GET', `/api/v1/recordings/${parts[1]}/view`, { token: student().token });
    expect(view.body.part).toEqual({ number: 2, of: 2 });
    expect(view.body.lesson?.id).toBe(school.lessons[0]!.id);
    expect((await t.api('GET', `/api/v1/recordings/${parts[1]}/view`, { token: school.batches[1]!.students[0]!.token })).status).toBe(403);
    await page.context().close();
  });

  it('a later visit lists only what became ready since the last one; a class whose time passed without starting is missed, not upcoming', async () => {
    clockOffsetMs = 2 * 3_600_000;
    const later = await home();
    expect(later.body.since).not.toBeNull();
    expect(later.body.newRecordings).toEqual([]);
    expect(later.body.classes.map((c) => c.id)).toEqual([liveId]);
    const file = await makeTestVideo(path.join(t.dataDir, 'extra.mp4'), { seconds: 3 });
    const extra = await uploadRecording(t, lectureId, file, { title: 'Week 2 lecture: questions' });
    await waitUntilProcessed(t, [extra]);
    // A reload within the same visit keeps the same "since".
    const again = await home();
    expect(again.body.since).toBe(later.body.since);
    expect(again.body.newRecordings.map((n) => [n.id, n.part])).toEqual([[extra, { number: 3, of: 3 }]]);
  });
});
