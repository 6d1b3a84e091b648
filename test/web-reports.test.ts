import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

describe('reports: watch report columns, analytics of a failed recording, attendance page', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let parts: string[];
  let failed: string;

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t, { studentsPerBatch: 2 });
    const file = await makeTestVideo(path.join(t.dataDir, 'r.mp4'), { seconds: 3 });
    const cls = await scheduleClass(t, { title: 'Week 2 lecture', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    // Two recordings of one class starting in the same minute: their columns must still differ.
    const minute = '2026-11-30T19:57';
    parts = [await uploadRecording(t, cls, file, { startedAt: `${minute}:05Z` }), await uploadRecording(t, cls, file, { startedAt: `${minute}:40Z` })];
    const junk = path.join(t.dataDir, 'junk.mp4');
    await writeFile(junk, 'no media here');
    failed = await uploadRecording(t, cls, junk);
    await waitUntilProcessed(t, parts);
    for (let i = 0; i < 300 && (await t.api<{ status: string }>('GET', `/api/v1/recordings/${failed}`)).body.status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 100));
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('CSV headers are unique and name class, part, UTC start and what the number is', async () => {
    const csv = await t.api<string>('GET', `/api/v1/batches/${school.batches[0]!.id}/watch-report?format=csv`);
    expect(csv.status).toBe(200);
    const header = csv.body.split('\r\n')[0]!.split(',');
    expect(new Set(header).size).toBe(header.length);
    expect(header.slice(3).sort()).toEqual(['Week 2 lecture · part 1 · 2026-11-30 19:57 UTC (% watched)', 'Week 2 lecture · part 2 · 2026-11-30 19:57 UTC (% watched)']);
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/batches/${school.batches[0]!.id}/report?token=${encodeURIComponent(school.batches[0]!.instructor.token)}`);
    await page.waitForSelector('table#report');
    const heads = await page.locator('table#report thead th a').allTextContents();
    expect(heads.sort()).toEqual(['Week 2 lecture · part 1', 'Week 2 lecture · part 2']);
    await page.close();
  });

  it('the analytics page of a failed recording says it failed and why, instead of empty charts', async () => {
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/recordings/${failed}/analytics?token=${encodeURIComponent(school.batches[0]!.instructor.token)}`);
    const note = page.locator('.not-ready');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/failed to process: .*no video or audio stream.*no analytics/);
    expect(await page.locator('#heatmap').count()).toBe(0);
    // A ready one explains its completion rate.
    await page.goto(`${t.url}/recordings/${parts[0]}/analytics?token=${encodeURIComponent(school.batches[0]!.instructor.token)}`);
    await page.waitForSelector('#heatmap');
    expect(await page.textContent('.stats-note')).toMatch(/at least 90 %/);
    expect(await page.locator('#viewers thead th').allTextContents()).toEqual(expect.arrayContaining(['Share of the recording watched', 'Length of the recording watched']));
    await page.close();
  });

  it('the attendance page lists every enrolled student of a class, with who did not join', async () => {
    const cls = await scheduleClass(t, { title: 'Seminar', batchId: school.batches[0]!.id, provider: 'native', autoRecord: false });
    await t.api('POST', `/api/v1/live-classes/${cls}/start`);
    await t.api('POST', `/api/v1/live-classes/${cls}/end`);
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${encodeURIComponent(school.batches[0]!.instructor.token)}`);
    await page.locator(`article[data-live-class-id="${cls}"] a.attendance-page`).click();
    await page.waitForSelector('table#attendance');
    expect(await page.textContent('h1')).toBe('Attendance: Seminar');
    const rows = page.locator('table#attendance tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().locator('td').first().textContent()).toBe('Did not join');
    expect(await rows.first().locator('td.present').textContent()).toBe('0 s');
    expect(await rows.first().locator('td.connection').textContent()).toBe('–');
    expect((await t.api('GET', `/api/v1/live-classes/${cls}/attendance`, { token: school.batches[0]!.students[0]!.token })).status).toBe(403);
    await page.close();
  });
});
