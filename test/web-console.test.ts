import { readFile } from 'node:fs/promises';
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
});
