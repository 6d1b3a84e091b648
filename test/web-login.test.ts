import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';

describe('web shell in Chromium', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    t = await startAula({ AULA_DEMO: '1' });
    chrome = await launchChromium();
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('a demo student signs in through the page and sees the demo course and its lessons', async () => {
    const student = t.aula.demo!.accounts.find((a) => a.role === 'student')!;
    const page = await chrome.browser.newPage();
    await page.goto(`${t.url}/login`);
    await page.fill('input[name=email]', student.email);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toMatch(/Wrong email or password/);
    await page.fill('input[name=password]', student.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('section.course');
    expect(await page.textContent('section.course h2')).toBe('Demo course');
    expect(await page.locator('a.lesson-link').allTextContents()).toEqual(['Welcome to Aula', 'Your first live class']);
    expect(await page.textContent('#who')).toContain('student');
    await page.close();
  });
});
