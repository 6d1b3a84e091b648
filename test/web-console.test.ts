import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';

describe('instructor console in Chromium', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    t = await startAula();
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('starts a class and shows each recording\'s state changing without a reload', async () => {
    const school = await seedSchool(t);
    const instructor = school.batches[0]!.instructor;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      token: instructor.token,
      body: { title: 'Console class', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 30, autoRecord: true },
    });
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${instructor.token}`);
    const row = page.locator(`[data-live-class-id="${cls.body.id}"]`);
    await row.locator('button.start-class').click();
    // Auto-record: a badge in state "recording" appears for the new recording.
    await expect.poll(() => row.locator('span.badge[data-recording-id]').first().getAttribute('class'), { timeout: 15_000 }).toMatch(/recording/);

    await page.evaluate(() => {
      (window as unknown as { stillSamePage?: boolean }).stillSamePage = true;
    });
    // A file uploaded meanwhile through the API moves processing → ready on the open page.
    const video = await readFile(await makeTestVideo(path.join(t.dataDir, 'c.mp4'), { seconds: 3 }));
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=c.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    const badge = page.locator(`span.badge[data-recording-id="${rec.body.id}"]`);
    await expect.poll(() => badge.getAttribute('class'), { timeout: 60_000 }).toMatch(/ready/);
    expect(await page.evaluate(() => (window as unknown as { stillSamePage?: boolean }).stillSamePage)).toBe(true);
    await page.close();
  });

  it('a native class is started in its room, with camera and microphone: its row opens the room instead of starting an empty class', async () => {
    const school = await seedSchool(t);
    const instructor = school.batches[0]!.instructor;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      token: instructor.token,
      body: { title: 'Room class', batchId: school.batches[0]!.id, provider: 'native', startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 30, autoRecord: true },
    });
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${instructor.token}`);
    const row = page.locator(`[data-live-class-id="${cls.body.id}"]`);
    await row.locator('a.open-room').waitFor();
    expect(await row.locator('button.start-class').count()).toBe(0);
    expect(await row.locator('a.open-room').getAttribute('href')).toBe(`/live/${cls.body.id}`);
    await row.locator('a.open-room').click();
    await page.waitForURL(`${t.url}/live/${cls.body.id}`);
    await page.waitForSelector('#start-class:not([hidden])', { timeout: 20_000 });
    expect((await t.api<{ status: string }>('GET', `/api/v1/live-classes/${cls.body.id}`)).body.status).toBe('scheduled');
    await page.close();
  });

  it('follows classes scheduled, started, ended and cancelled elsewhere without a reload', async () => {
    const school = await seedSchool(t);
    const batch = school.batches[0]!;
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${batch.instructor.token}`);
    await expect.poll(() => page.textContent('#live-status'), { timeout: 10_000 }).toBe('Live updates on');
    await page.evaluate(() => {
      (window as unknown as { stillSamePage?: boolean }).stillSamePage = true;
    });
    const schedule = (title: string) =>
      t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title, batchId: batch.id, provider: 'upload', startsAt: new Date(Date.now() + 3_600_000).toISOString(), durationMinutes: 30, autoRecord: false } });
    const taught = (await schedule('Taught from the LMS')).body.id;
    const dropped = (await schedule('Dropped from the timetable')).body.id;
    const row = (id: string) => page.locator(`article.class-row[data-live-class-id="${id}"]`);
    await expect.poll(() => row(taught).getAttribute('data-status'), { timeout: 10_000 }).toBe('scheduled');
    await expect.poll(() => row(dropped).count(), { timeout: 10_000 }).toBe(1);

    await t.api('POST', `/api/v1/live-classes/${taught}/start`);
    await expect.poll(() => page.locator(`#upcoming article.class-row[data-live-class-id="${taught}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('live');
    await t.api('POST', `/api/v1/live-classes/${taught}/end`);
    await expect.poll(() => page.locator(`#past article.class-row[data-live-class-id="${taught}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('ended');
    await t.api('DELETE', `/api/v1/live-classes/${dropped}`);
    await expect.poll(() => row(dropped).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { stillSamePage?: boolean }).stillSamePage)).toBe(true);
    await page.close();
  });

  it('schedules a class for a lesson from the form and uploads a recording into it, which reaches the lesson page', async () => {
    const school = await seedSchool(t, { lessons: 2 });
    const batch = school.batches[0]!;
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${batch.instructor.token}`);
    await page.click('details.schedule > summary');
    await page.fill('#schedule-class input[name=title]', 'Re-teach for absent students');
    await page.selectOption('#schedule-class select[name=batchId]', batch.id);
    await expect.poll(() => page.locator('#schedule-class select[name=lessonId] option').count(), { timeout: 10_000 }).toBe(3);
    await page.selectOption('#schedule-class select[name=lessonId]', school.lessons[1]!.id);
    await page.selectOption('#schedule-class select[name=provider]', 'upload');
    await page.click('#schedule-class button[type=submit]');
    const row = page.locator('#upcoming article.class-row', { hasText: 'Re-teach for absent students' });
    await row.waitFor({ timeout: 10_000 });
    const classId = await row.getAttribute('data-live-class-id');
    const created = await t.api<{ lessonId: string; batchId: string; provider: string; autoRecord: boolean }>('GET', `/api/v1/live-classes/${classId}`);
    // Nothing to record in an upload class: the form turned auto-record off when "upload" was chosen.
    expect(created.body).toMatchObject({ lessonId: school.lessons[1]!.id, batchId: batch.id, provider: 'upload', autoRecord: false });

    const file = await makeTestVideo(path.join(t.dataDir, 'reteach.mp4'), { seconds: 3 });
    await row.locator('input.upload-input').setInputFiles(file);
    // The title is asked for, the file name only suggested.
    expect(await row.locator('input.upload-title').inputValue()).toBe('reteach');
    await row.locator('form.upload-ask button[type=submit]').click();
    const badge = row.locator('span.badge[data-recording-id]');
    await expect.poll(() => badge.first().getAttribute('class'), { timeout: 60_000 }).toMatch(/ready/);
    expect(await row.locator('.recording-title').first().textContent()).toBe('reteach');
    const lesson = await t.api<{ items: { liveClass: { id: string } }[] }>('GET', `/api/v1/lessons/${school.lessons[1]!.id}/recordings`, { token: batch.students[0]!.token });
    expect(lesson.body.items.map((r) => r.liveClass.id)).toEqual([classId]);

    // A file that is not media becomes a failed recording whose reason the instructor can read.
    const junk = path.join(t.dataDir, 'notes.txt');
    await writeFile(junk, 'not a video');
    await row.locator('input.upload-input').setInputFiles(junk);
    await row.locator('form.upload-ask button[type=submit]').click();
    const failed = row.locator('li.recording-item', { hasText: 'notes' });
    await expect.poll(() => failed.locator('span.badge').getAttribute('class'), { timeout: 30_000 }).toMatch(/failed/);
    expect(await failed.locator('.processing-error').textContent()).toMatch(/no video or audio stream/);
    await page.close();
  });
});
