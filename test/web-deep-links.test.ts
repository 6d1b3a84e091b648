import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';

describe('deep links survive sign-in', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t, { batches: 1 });
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  async function signIn(page: import('playwright-core').Page) {
    await page.fill('input[name=email]', school.batches[0]!.students[0]!.email);
    await page.fill('input[name=password]', 'student-pass');
    await page.click('button[type=submit]');
  }

  it('a lesson link opened while signed out shows the sign-in page, then lands on that lesson with its query', async () => {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    const lessonPath = `/lessons/${school.lessons[0]!.id}?recording=abc#chat`;
    await page.goto(`${t.url}${lessonPath}`);
    await page.waitForSelector('input[name=email]');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe(lessonPath);
    // The fields are labelled, not only placeholders.
    expect(await page.getByLabel('Email').count()).toBe(1);
    expect(await page.getByLabel('Password').count()).toBe(1);
    await signIn(page);
    await page.waitForURL((u) => u.pathname === `/lessons/${school.lessons[0]!.id}`);
    expect(new URL(page.url()).search).toBe('?recording=abc');
    expect(new URL(page.url()).hash).toBe('#chat');
    await page.waitForSelector('h1');
    expect(await page.textContent("h1")).toBe("Lesson 1");
    await context.close();
  });

  for (const next of ['https://evil.example/steal', '//evil.example/steal', '/\\evil.example/steal', 'javascript:alert(1)', '/login?next=%2F%2Fevil.example']) {
    it(`refuses next=${next} and lands on the home page instead`, async () => {
      const context = await chrome.browser.newContext();
      const page = await context.newPage();
      await page.goto(`${t.url}/login?next=${encodeURIComponent(next)}`);
      await signIn(page);
      await page.waitForURL((u) => u.pathname === '/' && u.origin === t.url);
      expect(new URL(page.url()).origin).toBe(t.url);
      await context.close();
    });
  }
});
