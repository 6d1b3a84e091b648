import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from './support/browser';
import { makeFlashBeepMedia } from './support/fake-capture';

type School = Awaited<ReturnType<typeof seedSchool>>;

interface SentVideo {
  source: 'camera' | 'screen';
  bytesSent: number;
  framesEncoded: number;
  width: number;
  at: number;
}

/** What the instructor's publish connection sends per video source, and its send-side bandwidth estimate. */
async function sentVideo(page: Page): Promise<{ tracks: SentVideo[]; estimate: number }> {
  return page.evaluate(async () => {
    const pc = window.aulaLive?.publisher;
    const out = { tracks: [] as SentVideo[], estimate: 0 };
    if (!pc) return out;
    const sourceByMid = new Map<string, 'camera' | 'screen'>();
    for (const t of pc.getTransceivers()) {
      const track = t.sender.track;
      if (!t.mid || track?.kind !== 'video') continue;
      sourceByMid.set(t.mid, 'displaySurface' in track.getSettings() ? 'screen' : 'camera');
    }
    const report = await pc.getStats();
    report.forEach((r: { type: string; kind?: string; mid?: string; bytesSent?: number; framesEncoded?: number; frameWidth?: number; timestamp: number; nominated?: boolean; availableOutgoingBitrate?: number }) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video' && r.mid && sourceByMid.has(r.mid)) {
        out.tracks.push({ source: sourceByMid.get(r.mid)!, bytesSent: r.bytesSent ?? 0, framesEncoded: r.framesEncoded ?? 0, width: r.frameWidth ?? 0, at: r.timestamp });
      } else if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) {
        out.estimate = Math.max(out.estimate, r.availableOutgoingBitrate);
      }
    });
    return out;
  });
}

/** Bitrate (b/s) and frame rate of one source between two readings. */
function rates(a: SentVideo[], b: SentVideo[], source: SentVideo['source']): { bps: number; fps: number } {
  const x = a.find((t) => t.source === source);
  const y = b.find((t) => t.source === source);
  if (!x || !y || y.at <= x.at) return { bps: 0, fps: 0 };
  const seconds = (y.at - x.at) / 1000;
  return { bps: ((y.bytesSent - x.bytesSent) * 8) / seconds, fps: (y.framesEncoded - x.framesEncoded) / seconds };
}

async function openLive(chrome: Awaited<ReturnType<typeof launchChromium>>, t: TestAula, classId: string, token: string): Promise<Page> {
  const page = await chrome.browser.newPage();
  await page.goto(`${t.url}/live/${classId}?token=${encodeURIComponent(token)}`);
  return page;
}

async function startNativeClass(t: TestAula, school: School, chrome: Awaited<ReturnType<typeof launchChromium>>, title: string): Promise<{ classId: string; host: Page }> {
  const r = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
    body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord: false },
  });
  expect(r.status).toBe(201);
  const host = await openLive(chrome, t, r.body.id, school.batches[0]!.instructor.token);
  host.on('dialog', (d) => void d.accept());
  await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
  await host.click('#start-class');
  await expect.poll(() => host.textContent('#class-status'), { timeout: 10_000 }).toBe('live');
  return { classId: r.body.id, host };
}

describe('native room media quality in Chromium', () => {
  let t: TestAula;
  let school: School;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'aula-quality-media-'));

  beforeAll(async () => {
    t = await startAula({ AULA_LIVE_GRACE_SECONDS: '300' });
    school = await seedSchool(t, { batches: 1, studentsPerBatch: 1 });
    // A camera with noise in it: an encoder needs its whole budget for it, so what is sent shows the estimate.
    const media = await makeFlashBeepMedia(mediaDir, { noise: 12, seconds: 4 });
    chrome = await launchChromium({ media: true, args: media.args });
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('with camera and shared screen the instructor’s send estimate climbs past 1 Mb/s, the 720p camera sends over 500 kb/s and the share keeps at least 5 fps', async () => {
    const { classId, host } = await startNativeClass(t, school, chrome, 'Bitrate class');
    const student = await openLive(chrome, t, classId, school.batches[0]!.students[0]!.token);
    await host.click('#share-screen');
    await student.waitForSelector('video.remote[data-source="screen"]', { timeout: 20_000 });
    // Readings two seconds apart. Before the congestion feedback was fixed the estimate never left Chromium's
    // 300 kb/s start and fell from there, and the camera sent about 100 kb/s at a quarter of its size.
    const best = { estimate: 0, camera: 0, cameraWidth: 0, screenFps: 0 };
    let last = await sentVideo(host);
    try {
      await expect.poll(async () => {
        const now = await sentVideo(host);
        const cam = rates(last.tracks, now.tracks, 'camera');
        const screen = rates(last.tracks, now.tracks, 'screen');
        last = now;
        best.estimate = Math.max(best.estimate, now.estimate);
        if (cam.bps > best.camera) {
          best.camera = cam.bps;
          best.cameraWidth = now.tracks.find((x) => x.source === 'camera')?.width ?? 0;
        }
        best.screenFps = Math.max(best.screenFps, screen.fps);
        return best.estimate > 1_000_000 && best.camera > 500_000 && best.screenFps >= 5;
      }, { timeout: 20_000, interval: 2_000 }).toBe(true);
    } finally {
      console.log(`send estimate ${Math.round(best.estimate / 1000)} kb/s, camera ${Math.round(best.camera / 1000)} kb/s at ${best.cameraWidth}px wide, screen ${best.screenFps.toFixed(1)} fps`);
    }
    expect(best.cameraWidth).toBeGreaterThanOrEqual(640);
    for (const page of [host, student]) await page.close();
  }, 90_000);
});
