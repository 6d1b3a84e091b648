import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { waitFor } from './support/wait';

const CUT_SECONDS = 20;

/** How often each text appears in a page's chat, counting only messages the room confirmed. */
async function confirmedCounts(page: Page, texts: string[]): Promise<number[]> {
  return page.evaluate((wanted) => {
    const shown = [...document.querySelectorAll('#chat-log li.chat-message:not(.pending) .text')].map((n) => n.textContent);
    return wanted.map((t) => shown.filter((s) => s === t).length);
  }, texts);
}

describe('native room chat across a lost connection', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let classId: string;
  const contexts: BrowserContext[] = [];

  async function join(token: string): Promise<{ page: Page; context: BrowserContext }> {
    const context = await chrome.browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.url}/live/${classId}?token=${encodeURIComponent(token)}`);
    await waitFor('the page to join the room', () => page.evaluate(() => window.aulaLive?.state === 'joined'), 20_000);
    return { page, context };
  }

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium({ media: true })]);
    school = await seedSchool(t, { lessons: 1 });
    const created = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Chat over a bad line', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord: false },
    });
    classId = created.body.id;
    expect((await t.api('POST', `/api/v1/live-classes/${classId}/start`)).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await chrome?.close();
    await t?.close();
  });

  it(`keeps what a student types during a ${CUT_SECONDS} s network cut and delivers each message once when the page rejoins`, async () => {
    const host = await join(school.batches[0]!.instructor.token);
    const student = await join(school.batches[0]!.students[0]!.token);

    await student.page.fill('#chat-input', 'Before the cut');
    await student.page.press('#chat-input', 'Enter');
    await waitFor('the first message at the instructor', async () => (await confirmedCounts(host.page, ['Before the cut']))[0] === 1, 10_000);

    // The student's line goes down: no traffic either way, and the socket it had is gone.
    await student.context.setOffline(true);
    await student.page.evaluate(() => window.aulaLive?.socket?.close());
    const cutAt = Date.now();
    const during = ['Can you hear me?', 'My line dropped', 'Question about slide 3'];
    for (const text of during) {
      await student.page.fill('#chat-input', text);
      await student.page.press('#chat-input', 'Enter');
    }
    // Shown at once as on its way, not lost, while the page keeps trying to rejoin.
    expect(await student.page.locator('#chat-log li.pending').count()).toBe(during.length);
    await waitFor(`a ${CUT_SECONDS} s cut with rejoin attempts`, () => student.page.evaluate(() => window.aulaLive?.state).then((s) => Date.now() - cutAt >= CUT_SECONDS * 1000 && s !== 'joined'), (CUT_SECONDS + 10) * 1000, 500);
    expect(await confirmedCounts(host.page, during)).toEqual([0, 0, 0]);

    await student.context.setOffline(false);
    await waitFor('the student page to rejoin', () => student.page.evaluate(() => window.aulaLive?.state === 'joined'), 20_000);
    await waitFor('every queued message at the instructor', async () => (await confirmedCounts(host.page, during)).every((n) => n === 1), 15_000);
    await waitFor('nothing left waiting on the student page', async () => (await student.page.locator('#chat-log li.pending').count()) === 0, 10_000);
    expect(await confirmedCounts(student.page, during)).toEqual([1, 1, 1]);
    // In the order typed.
    const order = await host.page.evaluate(() => [...document.querySelectorAll('#chat-log li.chat-message .text')].map((n) => n.textContent));
    expect(order.filter((s) => s !== null && during.includes(s))).toEqual(during);

    // The room keeps a resent message once, even when both copies arrive: the wire, not the page, decides.
    await student.page.evaluate(() => {
      const send = () => window.aulaLive?.socket?.send(JSON.stringify({ type: 'chat', text: 'Sent twice', clientId: 'resend-test-0001' }));
      send();
      send();
    });
    await host.page.fill('#chat-input', 'After the resend');
    await host.page.press('#chat-input', 'Enter');
    await waitFor('the instructor\'s own message', async () => (await confirmedCounts(host.page, ['After the resend']))[0] === 1, 10_000);
    expect(await confirmedCounts(host.page, ['Sent twice', 'Before the cut'])).toEqual([1, 1]);
  }, 120_000);
});
