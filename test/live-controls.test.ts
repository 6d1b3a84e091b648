import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { createNativeClass, framesDecodedByMid, openLive } from './support/live-room';

type School = Awaited<ReturnType<typeof seedSchool>>;

/** Frames decoded on the tile's video keep rising (the picture is live, not frozen). */
async function expectFramesRising(page: Page, mid: string, timeout = 15_000): Promise<void> {
  const before = (await framesDecodedByMid(page))[mid] ?? 0;
  await expect.poll(async () => (await framesDecodedByMid(page))[mid] ?? 0, { timeout, interval: 250 }).toBeGreaterThan(before + 5);
}

const tileOf = (page: Page, participantId: string, source: 'camera' | 'screen') => page.locator(`#stage > .tile:has(video.remote[data-participant="${participantId}"][data-source="${source}"])`);

describe('classroom controls of the native live room, in Chromium', () => {
  let t: TestAula;
  let school: School;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    t = await startAula({ AULA_LIVE_GRACE_SECONDS: '300' });
    school = await seedSchool(t, { batches: 1, studentsPerBatch: 2 });
    chrome = await launchChromium({ media: true });
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('tiles pin and go full screen, the sharer sees a banner with a preview and Stop, cameras and microphones switch on, off and between devices, a student let to speak shows their camera, hands alert in order, Leave leaves, and a phone gets tabs', async () => {
    const classId = await createNativeClass(t, school, { title: 'Controls class' });
    const batch = school.batches[0]!;
    const [alice, bob] = [batch.students[0]!, batch.students[1]!];
    const host = await openLive(chrome, t, classId, batch.instructor.token);
    await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
    await host.click('#start-class');
    await expect.poll(async () => `${await host.textContent('#class-status')} ${await host.textContent('#live-message')}`, { timeout: 10_000 }).toBe('live ');
    const a = await openLive(chrome, t, classId, alice.token);
    const b = await openLive(chrome, t, classId, bob.token);
    const hostId = await host.evaluate(() => document.querySelector<HTMLElement>('#participants li[data-role="host"]')?.dataset.id ?? '');
    const hostCamera = tileOf(a, hostId, 'camera');
    await hostCamera.waitFor({ timeout: 20_000 });

    // Pin from the keyboard: the tile becomes the large one; Full screen puts that tile alone on the screen.
    const pin = hostCamera.locator('.tile-pin');
    expect(await pin.getAttribute('aria-label')).toBe('Pin Instructor 1');
    await pin.focus();
    await a.keyboard.press('Enter');
    await expect.poll(() => hostCamera.getAttribute('class')).toMatch(/\bpinned\b/);
    expect(await hostCamera.getAttribute('class')).toMatch(/\bfocus\b/);
    expect(await pin.getAttribute('aria-pressed')).toBe('true');
    await hostCamera.locator('.tile-fullscreen').click();
    await expect.poll(() => a.evaluate(() => (document.fullscreenElement as HTMLElement | null)?.dataset.key ?? null)).toBe(`${hostId}:camera`);
    await a.evaluate(() => document.exitFullscreen());
    await expect.poll(() => a.evaluate(() => document.fullscreenElement)).toBeNull();
    await pin.click();
    expect(await pin.getAttribute('aria-pressed')).toBe('false');

    // Sharing: the instructor sees the banner with a live preview; students get the screen large, the camera beside it.
    await host.click('#share-screen');
    await host.waitForSelector('#share-banner:not([hidden])', { timeout: 10_000 });
    expect(await host.textContent('#share-banner')).toContain('You are sharing your screen');
    await expect.poll(() => host.evaluate(() => document.querySelector<HTMLVideoElement>('#share-preview')?.videoWidth ?? 0), { timeout: 10_000 }).toBeGreaterThan(0);
    const screen = tileOf(a, hostId, 'screen');
    await screen.waitFor({ timeout: 15_000 });
    await expect.poll(() => screen.getAttribute('class')).toMatch(/\bfocus\b/);
    expect(await a.getAttribute('#stage', 'class')).toMatch(/\bfocused\b/);
    const [screenBox, cameraBox] = [await screen.boundingBox(), await hostCamera.boundingBox()];
    expect(screenBox!.width).toBeGreaterThan(cameraBox!.width * 2);
    expect(cameraBox!.x).toBeGreaterThan(screenBox!.x + screenBox!.width - 1);
    await host.click('#stop-sharing');
    await host.waitForSelector('#share-banner[hidden]', { state: 'attached', timeout: 10_000 });
    await expect.poll(() => screen.count(), { timeout: 15_000 }).toBe(0);

    // Devices: the instructor's lists show Chromium's fake camera and microphones; another microphone replaces the
    // track on its sender without a new offer.
    await expect.poll(() => host.locator('#camera-select option').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const mics = await host.locator('#mic-select option').allTextContents();
    expect(mics.length).toBeGreaterThan(0);
    expect((await host.locator('#camera-select option').allTextContents()).join(' ')).toMatch(/fake/i);
    const offerBefore = await host.evaluate(() => window.aulaLive?.publisher?.localDescription?.sdp);
    const micTrack = () => host.evaluate(() => window.aulaLive?.publisher?.getSenders().find((s) => s.track?.kind === 'audio')?.track?.getSettings().deviceId ?? null);
    if (mics.length > 1) {
      const other = await host.locator('#mic-select option').nth(1).getAttribute('value');
      await host.selectOption('#mic-select', other!);
      await expect.poll(micTrack, { timeout: 10_000 }).toBe(other);
    }
    expect(await host.evaluate(() => window.aulaLive?.publisher?.localDescription?.sdp)).toBe(offerBefore);

    // Camera off: the students' tile goes, the light goes off (the track is stopped); on again: it comes back live.
    expect(await host.textContent('#camera-toggle')).toBe('Turn camera off');
    await host.click('#camera-toggle');
    await expect.poll(() => hostCamera.count(), { timeout: 15_000 }).toBe(0);
    expect(await host.locator('video.local').count()).toBe(0);
    expect(await host.evaluate(() => window.aulaLive?.publisher?.getSenders().some((s) => s.track?.kind === 'video'))).toBe(false);
    await host.click('#camera-toggle');
    await hostCamera.waitFor({ timeout: 15_000 });
    await expectFramesRising(a, (await hostCamera.getAttribute('data-mid'))!);
    expect(await host.evaluate(() => window.aulaLive?.publisher?.localDescription?.sdp)).toBe(offerBefore);

    // Hands: Bob then Alice; the instructor hears each new hand and sees them counted, first raised first.
    expect(await a.isHidden('#camera-toggle')).toBe(true);
    await b.click('#raise-hand');
    await expect.poll(() => host.textContent('#hand-count'), { timeout: 10_000 }).toBe('✋ 1');
    await a.click('#raise-hand');
    await expect.poll(() => host.textContent('#hand-count'), { timeout: 10_000 }).toBe('✋ 2');
    expect(await host.locator('#hands li').allTextContents()).toEqual(['Student 1.2', 'Student 1.1']);
    expect(await host.getAttribute('#hand-count', 'aria-label')).toBe('2 hands raised');
    expect(await host.evaluate(() => window.aulaLive?.handAlerts)).toBe(2);

    // Alice is let to speak: she may turn her camera on, and the instructor receives it.
    await host.click(`#participants li[data-id="${alice.id}"] .allow-speak`);
    await expect.poll(() => host.textContent('#hand-count')).toBe('✋ 1');
    await a.waitForSelector('#camera-toggle:not([hidden])', { timeout: 10_000 });
    await a.click('#camera-toggle');
    const aliceCamera = tileOf(host, alice.id, 'camera');
    await aliceCamera.waitFor({ timeout: 20_000 });
    const aliceMid = (await aliceCamera.getAttribute('data-mid'))!;
    await expectFramesRising(host, aliceMid);

    // Bob leaves: his page says so and offers Rejoin and the lesson; the roster drops him.
    await b.click('#leave-class');
    await b.waitForSelector('#farewell:not([hidden])');
    expect(await b.textContent('#farewell h2')).toBe('You left the class');
    expect(await b.getAttribute('#farewell-lesson', 'href')).toBe(`/lessons/${school.lessons[0]!.id}`);
    expect(await b.isVisible('#rejoin')).toBe(true);
    expect(await b.isHidden('#raise-hand')).toBe(true);
    await expect.poll(() => host.locator(`#participants li[data-id="${bob.id}"]`).count(), { timeout: 10_000 }).toBe(0);
    await b.click('#rejoin');
    await expect.poll(() => host.locator(`#participants li[data-id="${bob.id}"]`).count(), { timeout: 10_000 }).toBe(1);
    expect(await b.isHidden('#farewell')).toBe(true);

    // On a phone the room shows Video | Chat | People as tabs; the chat is one tap away, not below everything.
    await b.setViewportSize({ width: 390, height: 740 });
    expect(await b.isVisible('[role="tablist"]')).toBe(true);
    expect(await b.isVisible('#stage')).toBe(true);
    expect(await b.isVisible('#chat-input')).toBe(false);
    await host.fill('#chat-input', 'Page 12, everyone');
    await host.press('#chat-input', 'Enter');
    await expect.poll(() => b.getAttribute('#room-tab-chat', 'class'), { timeout: 10_000 }).toMatch(/unread/);
    await b.click('#room-tab-chat');
    expect(await b.getAttribute('#room-tab-chat', 'aria-selected')).toBe('true');
    expect(await b.isVisible('#stage')).toBe(false);
    expect(await b.textContent('#chat-log')).toContain('Page 12, everyone');
    const input = await b.locator('#chat-input').boundingBox();
    expect(input!.y + input!.height).toBeLessThan(740);
    await b.click('#room-tab-people');
    expect(await b.isVisible('#participants')).toBe(true);
    expect(await b.isVisible('#chat-input')).toBe(false);

    // Alice's camera still plays seconds later, well past its first few hundred packets.
    await expectFramesRising(host, aliceMid);

    for (const page of [host, a, b]) await page.close();
  }, 60_000);
});
