import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { type LtiPlatformEmulator, ROLE, startLtiPlatform } from './support/emulators/lti-platform';
import { eventually } from './support/lti';
import { makeTestVideo } from './support/media';

const FRAME_HOST = 'lms-frame.test';

/**
 * The LMS course page (on 127.0.0.1) embeds Aula (on localhost, another site) in an iframe, with third-party
 * cookies blocked: everything after the launch must work from what the frame itself carries.
 */
describe('LTI launches in Chromium, inside the LMS page\'s iframe', () => {
  let t: TestAula;
  let emu: LtiPlatformEmulator;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let batchId: string;

  beforeAll(async () => {
    const port = await freePort();
    [t, emu, chrome] = await Promise.all([
      startAula({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}`, AULA_LTI_SCORE_DELAY_SECONDS: '0.5' }),
      startLtiPlatform({ frameHost: FRAME_HOST }),
      // The platform's pages inside the frame are served under a name of their own, so that everything the frame
      // shows is cross-site to the course page and stays out of its process: a frame moving into and out of the
      // page's process during one launch is where the browser driver can lose track of it on a busy machine.
      launchChromium({ args: ['--test-third-party-cookie-phaseout', `--host-resolver-rules=MAP ${FRAME_HOST} 127.0.0.1`] }),
    ]);
    school = await seedSchool(t, { lessons: 2 });
    emu.registerTool({ aulaUrl: `http://localhost:${port}` });
    const platform = await t.api('POST', '/api/v1/lti/platforms', { body: { ...emu.platformSettings(), courseId: school.course.id } });
    expect(platform.status).toBe(201);
    emu.addUser({ id: 'learner-1', name: 'Lena Learner', email: 'lena@lms.test', roles: [ROLE.learner] });
    emu.addUser({ id: 'teacher-1', name: 'Theo Teacher', email: 'theo@lms.test', roles: [ROLE.instructor] });
    emu.addContext('bio-200', 'Biology 200', ['learner-1', 'teacher-1']);
    emu.addLink({ id: 'bio-lesson', contextId: 'bio-200', title: 'Cells', custom: { aula_lesson_id: school.lessons[0]!.id }, lineItemId: 'bio-grade' });
  }, 60_000);

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
    await emu?.close();
  });

  async function openCourse(user: string, link?: string): Promise<{ page: Page; frame: () => Frame }> {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    await page.goto(emu.coursePage('bio-200', user, link));
    const frame = () => page.frames().find((f) => f.parentFrame() === page.mainFrame())!;
    return { page, frame };
  }

  it('an Instructor launch opens the console on the LMS course\'s batch', async () => {
    const { page, frame } = await openCourse('teacher-1', 'bio-lesson');
    await eventually(async () => new URL(frame()?.url() ?? 'about:blank').pathname === '/console', 'the console in the frame');
    const platforms = await t.api<{ items: { id: string }[] }>('GET', '/api/v1/lti/platforms');
    const detail = await t.api<{ contexts: { contextId: string; batchId: string }[] }>('GET', `/api/v1/lti/platforms/${platforms.body.items[0]!.id}`);
    batchId = detail.body.contexts.find((c) => c.contextId === 'bio-200')!.batchId;
    expect(new URL(frame().url()).searchParams.get('batch')).toBe(batchId);
    await frame().waitForSelector('#batch-filter');
    expect(await frame().locator('#batch-filter').inputValue()).toBe(batchId);
    expect(await frame().locator('#who').textContent()).toContain('Theo Teacher · instructor');
    // The frame runs with third-party storage refused, as browsers do for an LMS iframe; the app works regardless.
    expect(await frame().evaluate(() => {
      try {
        void localStorage.length;
        return 'allowed';
      } catch {
        return 'blocked';
      }
    })).toBe('blocked');
    // The token came with the page, not from a cookie.
    expect(await page.context().cookies(`http://localhost:${new URL(t.aula.config.publicUrl).port}`)).toEqual([]);
    await page.context().close();
  });

  it('an instructor picks a lesson in Aula\'s deep-linking picker and it appears in the LMS course', async () => {
    const { page, frame } = await openCourse('teacher-1');
    await eventually(async () => (await frame()?.$(`.pick-lesson[data-lesson-id="${school.lessons[1]!.id}"]`)) ?? null, 'the picker');
    await frame().click(`.pick-lesson[data-lesson-id="${school.lessons[1]!.id}"]`);
    await eventually(async () => (await frame()?.$('#deep-link-done')) ?? null, 'the platform to confirm the deep link');
    expect(emu.state.deepLinks.at(-1)).toMatchObject({ type: 'ltiResourceLink', custom: { aula_lesson_id: school.lessons[1]!.id } });
    await page.context().close();
  });

  it('a Learner launch lands on the lesson page, plays its recording, and the watch time reaches the LMS gradebook', async () => {
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Cells, recorded', batchId, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect(cls.status).toBe(201);
    const file = await makeTestVideo(path.join(t.dataDir, 'cells.mp4'), { seconds: 6 });
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=cells.mp4`, { rawBody: await readFile(file), headers: { 'content-type': 'video/mp4' } });
    expect(rec.status).toBe(201);
    await eventually(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${rec.body.id}`)).body.status === 'ready', 'the recording to be ready', 90_000);

    const { page, frame } = await openCourse('learner-1', 'bio-lesson');
    await eventually(async () => new URL(frame()?.url() ?? 'about:blank').pathname === `/lessons/${school.lessons[0]!.id}`, 'the lesson page in the frame');
    const cards = frame().locator('a.recording-card');
    await eventually(async () => (await cards.count()) === 1, 'the recording card');
    expect(await cards.first().getAttribute('data-recording-id')).toBe(rec.body.id);
    await cards.first().click();
    await frame().waitForSelector('video#player');
    await frame().waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 2, undefined, { timeout: 20_000 });
    await frame().click('#play-toggle');
    const score = await eventually(async () => emu.state.lineItems.get('bio-grade')!.scores.find((s) => s.userId === 'learner-1' && (s.scoreGiven ?? 0) > 0), 'a score in the LMS', 20_000);
    expect(score).toMatchObject({ gradingProgress: 'FullyGraded', scoreMaximum: 100 });
    expect(score.scoreGiven).toBeGreaterThan(0);
    await page.context().close();
  }, 150_000);
});
