import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { CloudflareEmulator } from './support/emulators/cloudflare-emulator';
import { LiveKitEmulator } from './support/emulators/livekit-emulator';

type ErrorBody = { error: { code: string; message: string } };
const apiKey = 'APIaula0console';
const apiSecret = 'livekit-console-secret-0123456789abcdefgh';
const cloudflareAccountId = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const cloudflareSecrets = { apiToken: 'cf-console-token-0123456789abcdefgh', streamWebhookSecret: 'stream-console-secret-01', notificationSecret: 'notification-console-01' };

describe('console: where a class runs', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let lk: LiveKitEmulator;
  let cf: CloudflareEmulator;
  let egressDir: string;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let accountId: string;

  beforeAll(async () => {
    egressDir = await mkdtemp(path.join(os.tmpdir(), 'aula-console-egress-'));
    [lk, cf] = await Promise.all([
      new LiveKitEmulator({ apiKey, apiSecret, localOutputDir: egressDir }).start(),
      new CloudflareEmulator({ accountId: cloudflareAccountId, appId: 'app-console-0001', ...cloudflareSecrets, mediaSeconds: 6 }).start(),
    ]);
    // A room of 3 seats: the instructor and 2 students on video; the batches have 4 students each.
    [t, chrome] = await Promise.all([
      startAula({ AULA_LIVE_SEATS: '3', CLOUDFLARE_API_BASE: cf.apiBase, CLOUDFLARE_REALTIMEKIT_KEYS_URL: cf.keysUrl }),
      launchChromium(),
    ]);
    school = await seedSchool(t, { batches: 2, studentsPerBatch: 4 });
    const created = await t.api<{ id: string }>('POST', '/api/v1/providers/livekit/accounts', {
      body: { name: 'School LiveKit', serverUrl: lk.wsUrl, apiKey, apiSecret, egress: { storage: 'directory', directory: egressDir } },
    });
    expect(created.status).toBe(201);
    accountId = created.body.id;
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
    await lk?.close();
    await cf?.close();
    if (egressDir) await rm(egressDir, { recursive: true, force: true });
  });

  async function scheduleForm(token: string): Promise<Page> {
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/console?token=${encodeURIComponent(token)}`);
    await page.waitForSelector('#upcoming');
    await page.click('details.schedule > summary');
    return page;
  }

  it("tells the batch's staff how a class fits Aula's room: students, seats and how many would watch the live stream; others are refused", async () => {
    const [mine, other] = school.batches;
    const fit = await t.api('GET', `/api/v1/batches/${mine!.id}/room-fit`, { token: mine!.instructor.token });
    expect(fit.status).toBe(200);
    expect(fit.body).toEqual({ batchId: mine!.id, students: 4, nativeSeats: 3, watchOnlyStudents: 2 });
    expect((await t.api('GET', `/api/v1/batches/${mine!.id}/room-fit`)).status).toBe(200);
    const foreign = await t.api<ErrorBody>('GET', `/api/v1/batches/${other!.id}/room-fit`, { token: mine!.instructor.token });
    expect(foreign.status).toBe(403);
    expect((await t.api<ErrorBody>('GET', `/api/v1/batches/${mine!.id}/room-fit`, { token: mine!.students[0]!.token })).status).toBe(403);
    const unknown = await t.api<ErrorBody>('GET', '/api/v1/batches/no-such-batch/room-fit');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('says when a batch outgrows the room and points to LiveKit; an admin schedules LiveKit and Cloudflare classes in their accounts', async () => {
    const batch = school.batches[0]!;
    const page = await scheduleForm(ADMIN_KEY);
    const form = page.locator('#schedule-class');
    await form.locator('select[name=batchId]').selectOption(batch.id);
    await expect.poll(() => form.locator('.room-fit').textContent()).toBe(
      "This batch has 4 students and Aula's room has 3 seats on video, the instructor's included: 2 students would watch the class's live stream a few seconds behind, " +
      'with the chat and raised hands, and join on video when let to speak. For a class with everyone on video, choose LiveKit.',
    );

    await form.locator('select[name=provider]').selectOption('livekit');
    await expect.poll(() => form.locator('.room-fit').textContent()).toBe('');
    await expect.poll(() => form.locator('select[name=providerAccountId] option').allTextContents()).toEqual(['School LiveKit']);
    expect(await form.locator('label:has(select[name=providerAccountId])').textContent()).toMatch(/^LiveKit account /);
    await form.locator('input[name=title]').fill('Assembly for everyone');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.confirmation').textContent()).toMatch(/^Scheduled “Assembly for everyone”/);
    const classes = await t.api<{ items: { title: string; provider: string; providerAccountId: string | null; providerMeetingId: string | null }[] }>('GET', `/api/v1/live-classes?batchId=${batch.id}`);
    expect(classes.body.items.find((c) => c.title === 'Assembly for everyone')).toMatchObject({ provider: 'livekit', providerAccountId: accountId, providerMeetingId: expect.any(String) });

    // Cloudflare's two ways (a Stream live input, a RealtimeKit meeting) need a Cloudflare account, which this school has not connected.
    await form.locator('input[name=title]').fill('Broadcast from the studio');
    for (const place of ['cloudflare-stream', 'cloudflare-realtimekit']) {
      await form.locator('select[name=provider]').selectOption(place);
      await expect.poll(() => form.locator('.account-note').textContent()).toBe('No Cloudflare account is connected yet; an admin connects one first.');
      await form.locator('button[type=submit]').click();
      expect(await form.locator('.error').textContent()).toBe('No Cloudflare account is connected yet; an admin connects one first.');
    }
    await page.close();

    // Once connected, each way makes its own kind of class there.
    const cloudflare = await t.api<{ id: string }>('POST', '/api/v1/providers/cloudflare/accounts', {
      body: { name: 'School Cloudflare', accountId: cloudflareAccountId, ...cloudflareSecrets, realtimeKit: { appId: 'app-console-0001' }, storage: 'import' },
    });
    expect(cloudflare.status, JSON.stringify(cloudflare.body)).toBe(201);
    const again = await scheduleForm(ADMIN_KEY);
    const form2 = again.locator('#schedule-class');
    for (const [place, title] of [['cloudflare-stream', 'Studio broadcast'], ['cloudflare-realtimekit', 'Seminar on RealtimeKit']] as const) {
      await form2.locator('select[name=provider]').selectOption(place);
      await expect.poll(() => form2.locator('select[name=providerAccountId] option').allTextContents()).toEqual(['School Cloudflare']);
      await form2.locator('input[name=title]').fill(title);
      await form2.locator('button[type=submit]').click();
      await expect.poll(() => form2.locator('.confirmation').textContent()).toMatch(new RegExp(`^Scheduled “${title}”`));
    }
    await again.close();
    const all = (await t.api<{ items: { title: string; provider: string; providerAccountId: string | null; providerData: Record<string, unknown> | null }[] }>('GET', `/api/v1/live-classes?batchId=${batch.id}`)).body.items;
    expect(all.find((c) => c.title === 'Studio broadcast')).toMatchObject({ provider: 'cloudflare', providerAccountId: cloudflare.body.id, providerData: expect.objectContaining({ mode: 'stream' }) });
    expect(all.find((c) => c.title === 'Seminar on RealtimeKit')).toMatchObject({ provider: 'cloudflare', providerAccountId: cloudflare.body.id, providerData: expect.objectContaining({ mode: 'realtimekit' }) });
  });

  it("an instructor sees the same note for their own batch, and is told to ask an admin for a provider's account", async () => {
    const page = await scheduleForm(school.batches[1]!.instructor.token);
    const form = page.locator('#schedule-class');
    await expect.poll(() => form.locator('.room-fit').textContent()).toMatch(/^This batch has 4 students/);
    await form.locator('select[name=provider]').selectOption('livekit');
    await expect.poll(() => form.locator('.account-note').textContent()).toBe('Only admins can choose the LiveKit account; ask an admin to schedule LiveKit classes.');
    await page.close();
  });
});
