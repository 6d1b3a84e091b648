import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { waitUntilProcessed } from './support/recordings';

type ErrorBody = { error: { code: string; message: string } };
interface Heartbeat { sessionId: string; position: number; playing: boolean; event?: string }

describe('lesson page: recordings and the player in Chromium', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  const recordingIds: string[] = [];

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t, { batches: 2 });
    // The newer recording is 854×480, so its ladder has two video renditions (480p copy + 360p) to switch between.
    const sizes = [{ width: 640, height: 360 }, { width: 854, height: 480 }];
    const files = await Promise.all(sizes.map((s, i) => makeTestVideo(path.join(t.dataDir, `class-${i}.mp4`), { seconds: 8, ...s })));
    for (const [i, file] of files.entries()) {
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
        body: { title: `Class ${i + 1}`, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 },
      });
      expect(cls.status).toBe(201);
      const startedAt = new Date(Date.now() - (2 - i) * 3_600_000).toISOString();
      const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=class-${i}.mp4&startedAt=${encodeURIComponent(startedAt)}`, {
        rawBody: await readFile(file), headers: { 'content-type': 'video/mp4' },
      });
      expect(rec.status).toBe(201);
      recordingIds.push(rec.body.id);
    }
    await waitUntilProcessed(t, recordingIds, 90_000);
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('a student signs in, sees both recordings newest first, plays, switches quality, seeks, and the pause is counted', async () => {
    const [older, newer] = recordingIds as [string, string];
    const student = school.batches[0]!.students[0]!;
    const page = await chrome.browser.newPage();
    const heartbeats: Heartbeat[] = [];
    page.on('request', (req: Request) => {
      if (req.method() === 'POST' && req.url().endsWith(`/recordings/${newer}/progress`)) heartbeats.push(req.postDataJSON() as Heartbeat);
    });

    await page.goto(`${t.url}/login`);
    await page.fill('input[name=email]', student.email);
    await page.fill('input[name=password]', 'student-pass');
    await page.click('button[type=submit]');
    await page.waitForSelector('#who');
    await page.goto(`${t.url}/lessons/${school.lessons[0]!.id}`);

    const cards = page.locator('a.recording-card');
    await expect.poll(() => cards.count()).toBe(2);
    expect(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-recording-id')))).toEqual([newer, older]);
    expect(await cards.first().locator('h3').textContent()).toMatch(/^Class 2 · \d\d:\d\d$/);

    await cards.first().click();
    await page.waitForSelector('video#player');
    await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 1, undefined, { timeout: 15_000 });

    // Quality: Auto plus one option per rendition; choosing one moves hls.js to that level.
    const options = await page.locator('#quality option').allTextContents();
    expect(options.length).toBeGreaterThanOrEqual(2);
    expect(options.some((o) => o.startsWith('480p'))).toBe(true);
    expect(options.some((o) => o.startsWith('360p'))).toBe(true);
    const currentLevel = () => page.evaluate(() => window.aulaPlayer?.hls?.currentLevel ?? -1);
    const heights = await page.evaluate(() => window.aulaPlayer?.hls?.levels.map((l) => l.height) ?? []);
    expect([...heights].sort()).toEqual([360, 480]);
    const before = await currentLevel();
    const target = heights.findIndex((_h, i) => i !== before);
    await page.selectOption('#quality', String(target));
    await page.waitForFunction((want) => window.aulaPlayer?.hls?.currentLevel === want, target, { timeout: 10_000 });
    expect(await currentLevel()).not.toBe(before);
    // The heatmap counts a 5-second bucket once at least half of it was watched: keep playing past 3 s.
    await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 3, undefined, { timeout: 10_000 });

    // The seek bar shows a sprite thumbnail on hover, and seeking lands where asked.
    const seek = page.locator('#seek');
    await seek.scrollIntoViewIfNeeded();
    const box = (await seek.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.waitForSelector('#seek-preview:not([hidden])');
    expect(await page.locator('#seek-preview img').getAttribute('src')).toMatch(/sprite\.jpg$/);
    await page.mouse.move(box.x + box.width * 0.5, box.y - 200);
    await page.waitForSelector('#seek-preview', { state: 'hidden' });
    // Back to 1 s: at least 2 s from wherever playback is by now, so it is the viewer's seek, not a nudge.
    await seek.fill('1');
    await page.waitForFunction(() => {
      const v = window.aulaPlayer?.video;
      return !!v && !v.seeking && v.currentTime >= 1 && v.currentTime < 3;
    }, undefined, { timeout: 10_000 });

    // Pausing sends a heartbeat, which the analytics count.
    const paused = page.waitForResponse((res) => res.url().endsWith(`/recordings/${newer}/progress`) && res.request().postDataJSON()?.event === 'pause');
    await page.click('#play-toggle');
    expect((await paused).status()).toBe(200);
    expect(heartbeats.map((h) => h.event)).toEqual(expect.arrayContaining(['play', 'seek', 'pause']));
    expect(new Set(heartbeats.map((h) => h.sessionId)).size).toBe(1);
    expect(heartbeats[0]!.sessionId).toMatch(/^[A-Za-z0-9-]{8,}$/);

    const analytics = await t.api<{ uniqueViewers: number; views: number; heatmap: { views: number[] } }>('GET', `/api/v1/recordings/${newer}/analytics`);
    expect(analytics.status).toBe(200);
    expect(analytics.body.uniqueViewers).toBe(1);
    expect(analytics.body.heatmap.views[0]).toBe(1);
    await page.close();
  });

  it('refuses a student of the other batch, and a playback URL whose signature was altered', async () => {
    const id = recordingIds[1]!;
    const outsider = await t.api<ErrorBody>('GET', `/api/v1/recordings/${id}/playback`, { token: school.batches[1]!.students[0]!.token });
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.code).toBeTruthy();

    const pb = await t.api<{ hls: string }>('GET', `/api/v1/recordings/${id}/playback`, { token: school.batches[0]!.students[0]!.token });
    expect(pb.status).toBe(200);
    const token = pb.body.hls.split('/media/')[1]!.split('/')[0]!;
    const sig = token.split('.').at(-1)!;
    const tampered = pb.body.hls.replace(token, token.slice(0, -sig.length) + (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const res = await fetch(tampered);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(((await res.json()) as ErrorBody).error.code).toBeTruthy();
  });

  it('shows captions attached to a recording when the viewer turns them on', async () => {
    const id = recordingIds[0]!;
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nFirst caption line\n';
    expect((await t.api('PUT', `/api/v1/recordings/${id}/captions`, { rawBody: vtt, headers: { 'content-type': 'text/vtt' } })).status).toBe(200);
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/recordings/${id}?token=${encodeURIComponent(school.batches[0]!.students[0]!.token)}`);
    await page.waitForSelector('#captions-toggle:not([hidden])');
    expect(await page.getAttribute('#captions-toggle', 'aria-pressed')).toBe('false');
    await page.click('#captions-toggle');
    await page.waitForFunction(() => {
      const track = (document.querySelector('video#player') as HTMLVideoElement | null)?.textTracks[0];
      return track?.mode === 'showing' && (track.cues?.length ?? 0) > 0;
    }, undefined, { timeout: 10_000 });
    const text = await page.evaluate(() => ((document.querySelector('video#player') as HTMLVideoElement).textTracks[0]!.cues![0] as VTTCue).text);
    expect(text).toBe('First caption line');
    expect(await page.getAttribute('#captions-toggle', 'aria-pressed')).toBe('true');
    await page.close();
  });

  it("a link copied out of one student's player does not play in the browser of a student of another batch", async () => {
    const id = recordingIds[1]!;
    const owner = school.batches[0]!.students[0]!;
    const outsider = school.batches[1]!.students[0]!;
    const signIn = async (email: string) => {
      const context = await chrome.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.url}/login`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', 'student-pass');
      await page.click('button[type=submit]');
      await page.waitForSelector('#who');
      return { context, page };
    };
    const copied = (await t.api<{ hls: string; mp4: string }>('GET', `/api/v1/recordings/${id}/playback`, { token: owner.token })).body;

    // Opened as a page and fetched by a page: the browser sends its cookies, not the other student's token.
    const other = await signIn(outsider.email);
    const refused = await other.page.goto(copied.hls);
    expect(refused?.status()).toBe(403);
    expect(((await refused!.json()) as ErrorBody).error.message).toMatch(/another viewer/);
    const fetchStatus = (page: typeof other.page, url: string) => page.evaluate(async (u) => (await fetch(u)).status, url);
    expect(await fetchStatus(other.page, copied.mp4)).toBe(403);
    // The same link in the browser of the student it was issued to plays.
    const mine = await signIn(owner.email);
    expect(await fetchStatus(mine.page, copied.hls)).toBe(200);
    expect(await fetchStatus(mine.page, copied.mp4)).toBe(200);
    // Signing out forgets whose browser it was; the link alone then works until it expires.
    await other.page.evaluate(async () => {
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${localStorage.getItem('aula.token') ?? ''}` } });
    });
    expect(await fetchStatus(other.page, copied.hls)).toBe(200);
    await Promise.all([other.context.close(), mine.context.close()]);
  });
});
