import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { waitUntil } from './support/emulators/mail-and-webhooks';
import { makeTestVideo } from './support/media';

type Link = { id: string; url: string; token: string; state: string; views: number; maxViews: number | null };

describe('share links', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  let recordingId = '';
  let staffToken = '';
  let studentToken = '';
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-share-'));

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula({}, undefined, clock), launchChromium()]);
    const school = await seedSchool(t, { studentsPerBatch: 1 });
    staffToken = school.batches[0]!.instructor.token;
    studentToken = school.batches[0]!.students[0]!.token;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Guest lecture', batchId: school.batches[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5 } });
    const video = readFileSync(await makeTestVideo(path.join(work, 'v.mp4'), { seconds: 8 }));
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=v.mp4&title=Guest%20lecture`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    recordingId = rec.body.id;
    await waitUntil(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${recordingId}`)).body.status === 'ready', 60_000, 'ready');
  }, 90_000);
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const create = async (body: Record<string, unknown>) => {
    const r = await t.api<Link>('POST', `/api/v1/recordings/${recordingId}/share-links`, { token: staffToken, body });
    expect(r.status).toBe(201);
    return r.body;
  };

  it('plays in a fresh browser without an account, is audited and counted as a guest, and stops within 30 s of being revoked', async () => {
    const link = await create({ expiresInHours: 2, label: 'Guest lecturer' });
    expect(link.url).toBe(`${t.url}/share/${link.token}`);
    const context = await chrome.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(link.url);
      await page.waitForSelector('video#player');
      await page.evaluate(() => window.aulaPlayer?.video.play());
      await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 1.5, undefined, { timeout: 20_000 });
      await page.evaluate(() => window.aulaPlayer?.video.pause());
      const analytics = await waitUntil(async () => {
        const r = await t.api<{ guestViewers: number; viewers: { guest: boolean; watchedSeconds: number }[] }>('GET', `/api/v1/recordings/${recordingId}/analytics`, { token: staffToken });
        return r.body.guestViewers === 1 && r.body.viewers.some((v) => v.guest && v.watchedSeconds > 0.5) ? r.body : null;
      }, 15_000, 'guest in analytics');
      expect(analytics.viewers.find((v) => v.guest)!.watchedSeconds).toBeGreaterThan(0.5);
      const audit = await t.api<{ items: { action: string; outcome: string; detail: string | null }[] }>('GET', `/api/v1/audit?recordingId=${recordingId}&action=share.view`);
      expect(audit.body.items.some((e) => e.outcome === 'allowed' && e.detail?.includes(link.id))).toBe(true);

      // A student of the batch may not revoke; the instructor may.
      expect((await t.api('DELETE', `/api/v1/share-links/${link.id}`, { token: studentToken })).status).toBe(403);
      const revoked = await t.api<Link>('DELETE', `/api/v1/share-links/${link.id}`, { token: staffToken });
      expect(revoked.body.state).toBe('revoked');
      // Within 30 s the media the page already holds stop playing; opening the link again is refused.
      offsetMs += 31_000;
      const status = await page.evaluate(async () => {
        const v = window.aulaPlayer!.video;
        const master = (window.aulaPlayer!.hls?.url ?? v.currentSrc);
        // Past the browser cache (playlists may be kept 2 s): the question is what the server answers now.
        return (await fetch(master, { cache: 'no-store' })).status;
      });
      expect(status).toBe(403);
      await page.reload();
      await page.waitForSelector('#share-error');
      expect(await page.textContent('#share-error')).toMatch(/revoked/);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('refuses after its expiry, and past its view limit', async () => {
    const limited = await create({ expiresInHours: 5, maxViews: 1 });
    const open = (l: Link) => t.api<{ error?: { message: string }; playback?: { hls: string } }>('GET', `/api/v1/shared/${l.token}`, { token: null });
    const first = await open(limited);
    expect(first.status).toBe(200);
    const second = await open(limited);
    expect(second.status).toBe(403);
    expect(second.body.error!.message).toMatch(/as many times/);

    const expiring = await create({ expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    const opened = await open(expiring);
    expect(opened.status).toBe(200);
    offsetMs += 2 * 3_600_000;
    const context = await chrome.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(expiring.url);
      await page.waitForSelector('#share-error');
      expect(await page.textContent('#share-error')).toMatch(/expired/);
      // URLs issued before the expiry stop with it.
      expect((await fetch(opened.body.playback!.hls)).status).toBe(403);
    } finally {
      await context.close();
    }
    const list = await t.api<{ items: Link[] }>('GET', `/api/v1/recordings/${recordingId}/share-links`, { token: staffToken });
    expect(list.body.items.find((l) => l.id === expiring.id)!.state).toBe('expired');
    expect(list.body.items.find((l) => l.id === limited.id)!).toMatchObject({ state: 'used-up', views: 1 });
    expect(JSON.stringify(list.body)).not.toContain(expiring.token);
  }, 60_000);

  it('bad input gets a clear error: students cannot share, expiry must be in the future, unknown tokens are refused', async () => {
    expect((await t.api('POST', `/api/v1/recordings/${recordingId}/share-links`, { token: studentToken, body: {} })).status).toBe(403);
    const past = await t.api<{ error: { code: string } }>('POST', `/api/v1/recordings/${recordingId}/share-links`, { token: staffToken, body: { expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(422);
    const both = await t.api<{ error: { code: string } }>('POST', `/api/v1/recordings/${recordingId}/share-links`, { token: staffToken, body: { expiresAt: '2030-01-01T00:00:00Z', expiresInHours: 2 } });
    expect(both.status).toBe(400);
    expect((await t.api('GET', '/api/v1/shared/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { token: null })).status).toBe(403);
  });
});
