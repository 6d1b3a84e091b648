import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

describe('console: manage classes and recordings', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t);
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  async function consoleAs(token: string): Promise<Page> {
    const page = await chrome.browser.newPage();
    page.on('dialog', (d) => void (d.type() === 'prompt' ? d.accept('Renamed lecture') : d.accept()));
    await page.goto(`${t.url}/console?token=${encodeURIComponent(token)}`);
    await page.waitForSelector('#upcoming');
    return page;
  }

  it('the schedule form refuses a past time with a clear message, confirms a scheduled class, and follows the provider for auto-record and account', async () => {
    const page = await consoleAs(school.batches[0]!.instructor.token);
    await page.click('details.schedule > summary');
    const form = page.locator('#schedule-class');
    await form.locator('input[name=title]').fill('Past class');
    await form.locator('input[name=startsAt]').fill('2020-01-01T10:00');
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.error').textContent()).toBe('That time is in the past; choose a time from now on');

    await form.locator('select[name=provider]').selectOption('upload');
    expect(await form.locator('input[name=autoRecord]').isChecked()).toBe(false);
    await form.locator('select[name=provider]').selectOption('zoom');
    expect(await form.locator('input[name=autoRecord]').isChecked()).toBe(true);
    await expect.poll(() => form.locator('.account-note').textContent()).toBe('Only admins can choose the Zoom account; ask an admin to schedule Zoom classes.');

    await form.locator('select[name=provider]').selectOption('native');
    const soon = new Date(Date.now() + 2 * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await form.locator('input[name=startsAt]').fill(`${soon.getFullYear()}-${pad(soon.getMonth() + 1)}-${pad(soon.getDate())}T${pad(soon.getHours())}:${pad(soon.getMinutes())}`);
    await form.locator('input[name=title]').fill('Week 4 lecture');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.confirmation').textContent()).toMatch(/^Scheduled “Week 4 lecture” for .+ \(starts in [12] h \d\d min\); students of the batch see it on their home page\.$/);
    await page.close();

    const admin = await consoleAs(ADMIN_KEY);
    await admin.click('details.schedule > summary');
    await admin.locator('#schedule-class select[name=provider]').selectOption('zoom');
    await expect.poll(() => admin.locator('#schedule-class .account-note').textContent()).toBe('No Zoom account is connected yet; an admin connects one first.');
    await admin.close();
  });

  it('a class whose time passed without starting is listed as missed among past classes; edit, reschedule and cancel from its row', async () => {
    const batch = school.batches[0]!;
    const missed = await scheduleClass(t, { title: 'Forgotten seminar', batchId: batch.id, provider: 'native', startsAt: new Date(Date.now() - 4 * 60_000).toISOString(), durationMinutes: 1 });
    const editable = await scheduleClass(t, { title: 'Lab session', batchId: batch.id, provider: 'native', startsAt: new Date(Date.now() + 86_400_000).toISOString() });
    const page = await consoleAs(batch.instructor.token);
    const missedRow = page.locator(`#past article[data-live-class-id="${missed}"]`);
    await missedRow.waitFor();
    expect(await missedRow.locator('.badge.class-status').textContent()).toBe('missed');
    expect(await page.locator(`#upcoming article[data-live-class-id="${missed}"]`).count()).toBe(0);

    const row = page.locator(`#upcoming article[data-live-class-id="${editable}"]`);
    await row.locator('details.edit-class-box > summary').click();
    await row.locator('input[name=title]').fill('Lab session (moved)');
    await row.locator('input[name=durationMinutes]').fill('90');
    await row.locator('form.edit-class button[type=submit]').click();
    await expect.poll(async () => (await t.api<{ title: string; durationMinutes: number }>('GET', `/api/v1/live-classes/${editable}`)).body).toMatchObject({ title: 'Lab session (moved)', durationMinutes: 90 });
    await expect.poll(() => page.locator(`#upcoming article[data-live-class-id="${editable}"] h3`).textContent()).toMatch(/^Lab session \(moved\)/);

    const moved = page.locator(`#upcoming article[data-live-class-id="${editable}"]`);
    await moved.locator('details.edit-class-box > summary').click();
    await moved.locator('input[name=startsAt]').fill('2021-05-01T09:00');
    await moved.locator('form.edit-class button[type=submit]').click();
    expect(await moved.locator('form.edit-class .error').textContent()).toMatch(/in the past/);

    await moved.locator('button.cancel-class').click();
    await expect.poll(() => page.locator(`article[data-live-class-id="${editable}"]`).count()).toBe(0);
    expect((await t.api('GET', `/api/v1/live-classes/${editable}`)).status).toBe(404);
    await page.close();
  });

  it('rename, delete and restore (admin), retry and dismiss a failed recording from its row', async () => {
    const batch = school.batches[0]!;
    const cls = await scheduleClass(t, { title: 'Manage me', batchId: batch.id });
    const good = await uploadRecording(t, cls, await makeTestVideo(path.join(t.dataDir, 'm.mp4'), { seconds: 3 }));
    const junk = path.join(t.dataDir, 'junk.mp4');
    await writeFile(junk, 'not a video at all');
    const bad = await uploadRecording(t, cls, junk);
    await waitUntilProcessed(t, [good]);
    await expect.poll(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${bad}`)).body.status, { timeout: 30_000 }).toBe('failed');

    const page = await consoleAs(ADMIN_KEY);
    const item = (id: string) => page.locator(`li.recording-item[data-recording-id="${id}"]`);
    await item(good).locator('button.rename-recording').click();
    await expect.poll(() => item(good).locator('.recording-title').textContent()).toBe('Renamed lecture');
    expect((await t.api<{ title: string }>('GET', `/api/v1/recordings/${good}`)).body.title).toBe('Renamed lecture');

    await item(good).locator('button.delete-recording').click();
    await expect.poll(() => item(good).locator('span.badge').textContent()).toBe('deleted');
    await item(good).locator('button.restore-recording').click();
    await expect.poll(() => item(good).locator('span.badge').textContent()).toBe('ready');

    await item(bad).locator('button.retry-recording').click();
    await expect.poll(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${bad}/events`)).body, { timeout: 30_000 })
      .toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ from: 'failed', to: 'processing' })]) });
    await expect.poll(() => item(bad).locator('span.badge').textContent(), { timeout: 30_000 }).toMatch(/^failed/);
    await item(bad).locator('button.dismiss-recording').click();
    expect(await item(bad).count()).toBe(0);
    await page.reload();
    await item(good).waitFor();
    expect(await item(bad).count()).toBe(0);
    await page.close();
  });

  it('an instructor trims a ready recording from its row: the row says so at once and again when the cut is done; undo restores it', async () => {
    const batch = school.batches[0]!;
    const cls = await scheduleClass(t, { title: 'Trim me', batchId: batch.id });
    const rec = await uploadRecording(t, cls, await makeTestVideo(path.join(t.dataDir, 'trim.mp4'), { seconds: 12 }));
    await waitUntilProcessed(t, [rec]);
    const page = await consoleAs(batch.instructor.token);
    const item = page.locator(`li.recording-item[data-recording-id="${rec}"]`);
    await item.locator('button.trim-recording').click();
    const form = item.locator('form.trim-form');
    await form.getByLabel('Keep from', { exact: true }).fill('0:02');
    await form.getByLabel('to', { exact: true }).fill('nonsense');
    await form.locator('button.save-trim').click();
    expect(await form.locator('.error').textContent()).toBe('Write times as m:ss, for example 1:30');
    await form.getByLabel('to', { exact: true }).fill('0:10');
    await form.locator('button.save-trim').click();
    await expect.poll(() => item.locator('.trim-state').textContent()).toMatch(/^Trimmed to 00:02–00:10 of 00:12 \((cutting…|cut)\)$/);
    await expect.poll(() => item.locator('.trim-state').getAttribute('data-trim-state'), { timeout: 60_000 }).toBe('done');
    expect((await t.api<{ durationSeconds: number }>('GET', `/api/v1/recordings/${rec}`)).body.durationSeconds).toBeCloseTo(8, 0);
    await item.locator('button.undo-trim').click();
    await expect.poll(() => item.locator('.trim-state').count()).toBe(0);
    expect((await t.api<{ trim: unknown; durationSeconds: number }>('GET', `/api/v1/recordings/${rec}`)).body).toMatchObject({ trim: null, durationSeconds: expect.closeTo(12, 0) });
    await page.close();
  });

  it('an upload shows a real progress bar and can be cancelled, keeping nothing', async () => {
    const batch = school.batches[0]!;
    const cls = await scheduleClass(t, { title: 'Slow upload', batchId: batch.id });
    const big = path.join(t.dataDir, 'big.mp4');
    await writeFile(big, Buffer.alloc(6 * 1024 * 1024, 7));
    const page = await consoleAs(batch.instructor.token);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    const row = page.locator(`article[data-live-class-id="${cls}"]`);
    await row.locator('input.upload-input').setInputFiles(big);
    await row.locator('input.upload-title').fill('Big one');
    await row.locator('form.upload-ask button[type=submit]').click();
    const bar = row.locator('progress.upload-progress');
    await expect.poll(async () => Number(await bar.getAttribute('value') ?? await bar.evaluate((b) => String((b as HTMLProgressElement).value))), { timeout: 20_000 }).toBeGreaterThan(0);
    await row.locator('button.cancel-upload').click();
    await expect.poll(() => row.locator('.row-error').textContent()).toBe('Upload cancelled; nothing was kept.');
    expect(await row.locator('progress.upload-progress').count()).toBe(0);
    const recs = await t.api<{ items: unknown[] }>('GET', `/api/v1/recordings?liveClassId=${cls}`);
    expect(recs.body.items).toEqual([]);
    await page.close();
  });
});
