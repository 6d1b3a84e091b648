import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

describe('player: volume, audio only, page-wide shortcuts, touch-sized controls', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t);
    const file = await makeTestVideo(path.join(t.dataDir, 'player.mp4'), { seconds: 16, width: 640, height: 360 });
    const cls = await scheduleClass(t, { title: 'Player class', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    recordingId = await uploadRecording(t, cls, file);
    await waitUntilProcessed(t, [recordingId]);
    await t.api('PUT', `/api/v1/recordings/${recordingId}/captions`, { rawBody: 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello\n', headers: { 'content-type': 'text/vtt' } });
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  async function openRecording(viewport: { width: number; height: number }): Promise<Page> {
    const context = await chrome.browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${t.url}/recordings/${recordingId}?token=${encodeURIComponent(school.batches[0]!.students[0]!.token)}`);
    await page.waitForSelector('.player .controls');
    await page.waitForFunction(() => (window.aulaPlayer?.video.readyState ?? 0) >= 1, undefined, { timeout: 15_000 });
    return page;
  }

  it('the volume slider sets the volume, M mutes, and the choice is kept for the next recording', async () => {
    const page = await openRecording({ width: 1280, height: 800 });
    await page.locator('#volume').fill('0.4');
    expect(await page.evaluate(() => window.aulaPlayer!.video.volume)).toBeCloseTo(0.4, 2);
    await page.click('h1');
    await page.keyboard.press('m');
    expect(await page.evaluate(() => window.aulaPlayer!.video.muted)).toBe(true);
    await expect.poll(() => page.inputValue('#volume')).toBe('0');
    await page.keyboard.press('m');
    await page.reload();
    await page.waitForSelector('#volume');
    expect(await page.evaluate(() => window.aulaPlayer!.video.volume)).toBeCloseTo(0.4, 2);
    await page.context().close();
  });

  it('"Audio only" plays the audio rendition from where the video was, and a picture rendition brings the video back', async () => {
    const page = await openRecording({ width: 1280, height: 800 });
    await page.waitForSelector('#quality option[value="audio"]', { state: 'attached' });
    expect(await page.locator('#quality option[value="audio"]').textContent()).toBe('Audio only');
    await page.click('#play-toggle');
    await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 2, undefined, { timeout: 15_000 });
    const before = await page.evaluate(() => window.aulaPlayer!.video.currentTime);
    await page.selectOption('#quality', 'audio');
    await page.waitForFunction((from) => {
      const v = window.aulaPlayer?.video;
      return !!v && !v.paused && v.currentTime > from + 0.5 && v.videoWidth === 0;
    }, before, { timeout: 15_000 });
    expect(await page.evaluate(() => window.aulaPlayer!.hls!.url)).toMatch(/\/hls\/[a-z0-9_]+\/index\.m3u8$/);
    expect(await page.locator('.video-box.audio-only').count()).toBe(1);
    const options = await page.locator('#quality option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    const pictureLevel = options.find((v) => v !== 'audio' && v !== '-1')!;
    await page.selectOption('#quality', pictureLevel);
    await page.waitForFunction(() => (window.aulaPlayer?.video.videoWidth ?? 0) > 0, undefined, { timeout: 15_000 });
    await page.context().close();
  });

  it('shortcuts work on the whole page, not inside text fields, and "?" lists them', async () => {
    const page = await openRecording({ width: 1280, height: 800 });
    // Focus away from the player: on the page body.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('k');
    await page.waitForFunction(() => !window.aulaPlayer!.video.paused);
    await page.keyboard.press('k');
    await page.waitForFunction(() => window.aulaPlayer!.video.paused);
    await page.keyboard.press('5');
    await page.waitForFunction(() => Math.abs(window.aulaPlayer!.video.currentTime - window.aulaPlayer!.video.duration / 2) < 1);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => Math.abs(window.aulaPlayer!.video.currentTime - (window.aulaPlayer!.video.duration / 2 - 5)) < 1);
    await page.keyboard.press('c');
    expect(await page.getAttribute('#captions-toggle', 'aria-pressed')).toBe('true');
    // Typing in the search box types; it does not control the player.
    await page.fill('#search-q', '');
    await page.focus('#search-q');
    await page.keyboard.type('km');
    expect(await page.inputValue('#search-q')).toBe('km');
    expect(await page.evaluate(() => window.aulaPlayer!.video.paused && !window.aulaPlayer!.video.muted)).toBe(true);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('?');
    const dialog = page.locator('dialog.shortcuts-help');
    await dialog.waitFor();
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true);
    expect(await dialog.textContent()).toContain('Play or pause');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !(document.querySelector('dialog.shortcuts-help') as HTMLDialogElement | null)?.open);
    await page.context().close();
  });

  it('on a 390 px phone the seek bar and buttons are at least 44 px tall and nothing overflows the screen', async () => {
    const page = await openRecording({ width: 390, height: 844 });
    const heights = await page.evaluate(() =>
      ['#seek', '#play-toggle', '#mute-toggle', '#volume', '#captions-toggle', '#fullscreen-toggle', '#shortcuts-button', '#quality', '#speed']
        .map((sel) => [sel, Math.round(document.querySelector(sel)!.getBoundingClientRect().height)] as const));
    for (const [sel, h] of heights) expect(h, sel).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const controls = await page.locator('.controls').boundingBox();
    expect(controls!.x + controls!.width).toBeLessThanOrEqual(390);
    await page.click('#shortcuts-button');
    const box = await page.locator('dialog.shortcuts-help').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.context().close();
  });
});
