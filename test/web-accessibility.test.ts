import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { COLOUR_RULES, type ImpactCounts, runAxe } from './support/axe';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

describe('accessibility of every page in Chromium (axe-core, WCAG 2.2 AA)', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;
  let nativeId: string;
  const results: { page: string; size: string; theme: string; counts: ImpactCounts }[] = [];

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t, { lessons: 2 });
    const file = await makeTestVideo(path.join(t.dataDir, 'a11y.mp4'), { seconds: 6 });
    const cls = await scheduleClass(t, { title: 'Accessible lecture', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    recordingId = await uploadRecording(t, cls, file);
    await waitUntilProcessed(t, [recordingId]);
    await t.api('PUT', `/api/v1/recordings/${recordingId}/chat`, { rawBody: `${JSON.stringify({ t: 1, author: 'Ana', text: 'Hello' })}\n`, headers: { 'content-type': 'application/x-ndjson' } });
    await t.api('PUT', `/api/v1/recordings/${recordingId}/captions`, { rawBody: 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nWelcome\n', headers: { 'content-type': 'text/vtt' } });
    nativeId = await scheduleClass(t, { title: 'Office hours', batchId: school.batches[0]!.id, provider: 'native', autoRecord: false, startsAt: new Date(Date.now() + 600_000).toISOString() });
    await t.api('POST', `/api/v1/live-classes/${nativeId}/start`);
    await t.api('POST', `/api/v1/live-classes/${nativeId}/end`);
  }, 120_000);

  afterAll(async () => {
    // The per-page figures, for the record.
    console.log(results.map((r) => `${r.page.padEnd(14)} ${r.size.padEnd(8)} ${r.theme.padEnd(6)} critical ${r.counts.critical} serious ${r.counts.serious} moderate ${r.counts.moderate} minor ${r.counts.minor}`).join('\n'));
    await chrome?.close();
    await t?.close();
  });

  const pages: { name: string; path: () => string; as: 'student' | 'instructor' | 'none'; ready: string }[] = [
    { name: 'sign-in', path: () => '/login', as: 'none', ready: 'form.login' },
    { name: 'home', path: () => '/', as: 'student', ready: 'section.course' },
    { name: 'lesson', path: () => `/lessons/${school.lessons[0]!.id}?recording=${recordingId}`, as: 'student', ready: '.player .controls' },
    { name: 'recording', path: () => `/recordings/${recordingId}`, as: 'student', ready: '.player .controls' },
    { name: 'search', path: () => '/search?q=welcome', as: 'student', ready: '.search-recording' },
    { name: 'live room', path: () => `/live/${nativeId}`, as: 'student', ready: 'main h1, main h2' },
    { name: 'console', path: () => '/console', as: 'instructor', ready: '.class-row' },
    { name: 'analytics', path: () => `/recordings/${recordingId}/analytics`, as: 'instructor', ready: '#heatmap' },
    { name: 'watch report', path: () => `/batches/${school.batches[0]!.id}/report`, as: 'instructor', ready: 'table' },
    { name: 'attendance', path: () => `/live-classes/${nativeId}/attendance`, as: 'instructor', ready: 'table#attendance' },
  ];

  async function open(browser: Browser, p: (typeof pages)[number], size: keyof typeof SIZES, theme: 'light' | 'dark'): Promise<Page> {
    const context = await browser.newContext({ viewport: SIZES[size], colorScheme: theme, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const token = p.as === 'student' ? school.batches[0]!.students[0]!.token : p.as === 'instructor' ? school.batches[0]!.instructor.token : null;
    const url = new URL(t.url + p.path());
    if (token) url.searchParams.set('token', token);
    await page.goto(url.toString());
    await page.waitForSelector(p.ready, { timeout: 15_000 });
    return page;
  }

  // Every rule on every page in the light theme; the dark theme changes the palette alone, so its page, switched by
  // the system setting without a reload, is checked again by the rules a palette decides.
  for (const size of Object.keys(SIZES) as (keyof typeof SIZES)[]) {
    it(`no serious or critical violations on any page at ${size} size, in the light theme and (colour rules) in the dark theme`, async () => {
      const failures: string[] = [];
      const check = async (page: Page, name: string, theme: 'light' | 'dark', rules?: string[]) => {
        const { violations, counts } = await runAxe(page, rules);
        results.push({ page: name, size, theme, counts });
        for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
          failures.push(`${name} (${theme}): ${v.id} (${v.impact}) ${v.help} → ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('; ')}`);
        }
      };
      for (const p of pages) {
        const page = await open(chrome.browser, p, size, 'light');
        await check(page, p.name, 'light');
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.waitForSelector('html[data-theme="dark"]', { timeout: 5_000 });
        // Reduced motion still runs each colour change as a 0.01 ms transition, which ends at the next frame.
        await page.waitForFunction(() => document.getAnimations().length === 0, undefined, { timeout: 5_000 });
        await check(page, p.name, 'dark', COLOUR_RULES);
        await page.context().close();
      }
      expect(failures).toEqual([]);
    });
  }

  it('keyboard: the skip link is the first stop and moves focus to the content; focus is visibly ringed', async () => {
    const page = await open(chrome.browser, pages[1]!, 'desktop', 'light');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('app');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await page.context().close();
  });

  it('the theme follows the system, even while the page is open, until the toggle is used, and the choice is remembered', async () => {
    const page = await open(chrome.browser, pages[1]!, 'desktop', 'dark');
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await bg()).toBe('rgb(18, 21, 28)');
    expect(await page.getAttribute('#theme-toggle', 'aria-pressed')).toBe('true');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForSelector('html[data-theme="light"]', { timeout: 5_000 });
    expect(await page.getAttribute('#theme-toggle', 'aria-pressed')).toBe('false');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForSelector('html[data-theme="dark"]', { timeout: 5_000 });
    await page.click('#theme-toggle');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    expect(await page.getAttribute('#theme-toggle', 'aria-pressed')).toBe('false');
    // The viewer's choice outlasts a later change of the system's, and a reload.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.reload();
    await page.waitForSelector('section.course');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.context().close();
  });
});
