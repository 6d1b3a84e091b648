import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../src/adapters/crypto';
import type { AudienceStream } from '../src/contracts/live-signaling';
import type { RecordingRecord } from '../src/adapters/db/recording-repository';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { loadConfig } from '../src/config';
import { createInProcessChangeFeed } from '../src/services/change-feed';
import { createLiveAudience } from '../src/services/playback';
import { audienceExpiry, signAudienceToken, signPlaybackToken, verifyAudienceToken } from '../src/domain/playback-token';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { waitFor } from './support/wait';

type School = Awaited<ReturnType<typeof seedSchool>>;
type Chrome = Awaited<ReturnType<typeof launchChromium>>;

const SECRET = 'live-audience-test-secret-0123456789';
const SEATS = 3;
/** Short shared links, so that pages renew them while the tests watch. */
const LINK_SECONDS = 10;

async function createNativeClass(t: TestAula, school: School, title: string, autoRecord: boolean): Promise<string> {
  const r = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
    body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord },
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

async function openLive(chrome: Chrome, t: TestAula, classId: string, token: string): Promise<Page> {
  const page = await chrome.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${t.url}/live/${classId}?token=${encodeURIComponent(token)}`);
  return page;
}

/** The instructor opens the page and starts the class; with auto-record, waits until it is recorded. */
async function startClass(chrome: Chrome, t: TestAula, classId: string, token: string, recorded: boolean): Promise<Page> {
  const host = await openLive(chrome, t, classId, token);
  await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
  await host.click('#start-class');
  await expect.poll(() => host.textContent('#class-status'), { timeout: 10_000 }).toBe('live');
  if (recorded) await host.waitForSelector('#recording-status:not([hidden])', { timeout: 15_000 });
  return host;
}

const seatOf = (page: Page) => page.evaluate(() => window.aulaLive?.seat ?? null);

/** Inbound RTP on the page's WebRTC subscribe connection (zero when it has none). */
function inbound(page: Page): Promise<{ videoFrames: number; audioPackets: number }> {
  return page.evaluate(async () => {
    const out = { videoFrames: 0, audioPackets: 0 };
    const pc = window.aulaLive?.subscriber;
    if (!pc) return out;
    (await pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'video') out.videoFrames += r.framesDecoded ?? 0;
      else out.audioPackets += r.packetsReceived ?? 0;
    });
    return out;
  });
}

/** Where the live stream's video is and how many frames it has shown; null without one. */
function streamProgress(page: Page): Promise<{ time: number; frames: number } | null> {
  return page.evaluate(() => {
    const v = window.aulaLive?.audienceVideo;
    return v ? { time: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames } : null;
  });
}

async function expectStreamPlaying(page: Page, timeoutMs: number): Promise<void> {
  const first = await waitFor('the live stream to start playing', async () => {
    const p = await streamProgress(page);
    return p && p.frames > 0 && p.time > 0 ? p : null;
  }, timeoutMs, 250);
  await waitFor('the live stream to keep playing', async () => {
    const p = await streamProgress(page);
    return p && p.time > first.time + 1 && p.frames > first.frames + 10;
  }, timeoutMs, 250);
}

async function expectWebRtcVideoRising(page: Page, timeoutMs: number): Promise<void> {
  const before = await inbound(page);
  await waitFor('video frames over WebRTC', async () => (await inbound(page)).videoFrames > before.videoFrames + 10, timeoutMs, 250);
}

async function sendChat(page: Page, text: string): Promise<void> {
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
}

describe('audience links and seats, as configured and signed', () => {
  it('every viewer in one window gets the same expiry, the next window another; a token checks its signature, expiry and kind', () => {
    expect(audienceExpiry(1_000, 300)).toBe(1_500);
    expect(audienceExpiry(1_199, 300)).toBe(1_500);
    expect(audienceExpiry(1_200, 300)).toBe(1_800);
    const key = deriveKey(SECRET, 'live-audience');
    const token = signAudienceToken({ recordingId: 'rec-1', expiresAtUnix: 1_500 }, key);
    expect(verifyAudienceToken(token, key, 1_499)).toEqual({ ok: true, grant: { recordingId: 'rec-1', expiresAtUnix: 1_500 } });
    expect(verifyAudienceToken(token, key, 1_500)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAudienceToken(token.replace('rec-1', 'rec-2'), key, 1_000)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyAudienceToken(signPlaybackToken({ recordingId: 'rec-1', viewerId: 'u1', expiresAtUnix: 1_500 }, key), key, 1_000)).toEqual({ ok: false, reason: 'malformed' });
    expect(() => signAudienceToken({ recordingId: '../x', expiresAtUnix: 1 }, key)).toThrow();
  });

  it("a recording's live files are served while it records and two minutes after it ends, never a deleted or provider recording's", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-live-files-'));
    try {
      const storage = new LocalMediaStorage(dir);
      await storage.putBuffer('recordings/rec-1/hls/master.m3u8', '#EXTM3U\n');
      let now = Date.parse('2030-01-01T10:00:00Z');
      const rec = { id: 'rec-1', source: 'native', status: 'recording', endedAt: null, deletedAt: null } as Pick<RecordingRecord, 'id' | 'source' | 'status' | 'endedAt' | 'deletedAt'>;
      const feed = createInProcessChangeFeed();
      const changed = () => feed.publish({ kind: 'recording', recordingId: 'rec-1', liveClassId: 'c1', batchId: 'b1', status: rec.status, paused: false, progress: null, processingError: null, at: new Date(now).toISOString() });
      const audience = createLiveAudience({
        recordings: { get: async (id) => (id === 'rec-1' ? (rec as RecordingRecord) : null) }, storage, feed, clock: { now: () => new Date(now) },
        signingKey: deriveKey(SECRET, 'live-audience'), publicUrl: 'http://aula.test', windowSeconds: 300,
      });
      try {
        const token = new URL(audience.stream('rec-1').url).pathname.split('/')[2]!;
        const served = async () => audience.resolve(token, 'hls/master.m3u8').then(() => true, (err: Error) => err.constructor.name);
        expect(await served()).toBe(true);
        Object.assign(rec, { status: 'ready', endedAt: new Date(now).toISOString() });
        changed();
        now += 119_000;
        expect(await served()).toBe(true);
        now += 2_000;
        changed();
        expect(await served()).toBe('NotFound');
        Object.assign(rec, { status: 'recording', endedAt: null, source: 'zoom' });
        changed();
        expect(await served()).toBe('NotFound');
        Object.assign(rec, { source: 'native', deletedAt: new Date(now).toISOString() });
        changed();
        expect(await served()).toBe('NotFound');
      } finally {
        audience.close();
        await feed.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('AULA_LIVE_SEATS and AULA_LIVE_AUDIENCE_LINK_SECONDS take whole numbers in range, 50 seats and 300 s by default', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-seats-'));
    try {
      const defaults = loadConfig({ AULA_DATA_DIR: dir });
      expect([defaults.liveSeats, defaults.liveAudienceLinkSeconds]).toEqual([50, 300]);
      expect(loadConfig({ AULA_DATA_DIR: dir, AULA_LIVE_SEATS: '3' }).liveSeats).toBe(3);
      for (const seats of ['0', '-1', '2.5', 'many']) expect(() => loadConfig({ AULA_DATA_DIR: dir, AULA_LIVE_SEATS: seats }), seats).toThrow(/AULA_LIVE_SEATS/);
      for (const secs of ['5', '7200']) expect(() => loadConfig({ AULA_DATA_DIR: dir, AULA_LIVE_AUDIENCE_LINK_SECONDS: secs }), secs).toThrow(/AULA_LIVE_AUDIENCE_LINK_SECONDS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('watch-only audience of a native class', () => {
  let t: TestAula;
  let school: School;
  let chrome: Chrome;

  beforeAll(async () => {
    t = await startAula({ AULA_LIVE_SEATS: String(SEATS), AULA_LIVE_GRACE_SECONDS: '300', AULA_SECRET: SECRET, AULA_LIVE_AUDIENCE_LINK_SECONDS: String(LINK_SECONDS) });
    school = await seedSchool(t, { batches: 2, studentsPerBatch: 6 });
    chrome = await launchChromium({ media: true });
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('the live stream link is one URL for every viewer, cache-friendly, for the class only, and refused when tampered, expired or pointed elsewhere', async () => {
    const batch = school.batches[0]!;
    const classId = await createNativeClass(t, school, 'Streamed chemistry', true);
    // Before the class is live there is nothing to watch.
    const early = await t.api<{ error: { code: string } }>('GET', `/api/v1/live-classes/${classId}/audience`, { token: batch.students[0]!.token });
    expect(early.status).toBe(409);
    const host = await startClass(chrome, t, classId, batch.instructor.token, true);
    try {
      const streamFor = (token: string) => t.api<AudienceStream>('GET', `/api/v1/live-classes/${classId}/audience`, { token });
      // Two viewers asking within one window (the first asked again after the second: the window did not roll).
      const [a, b] = await waitFor('two links of one window', async () => {
        const [first, second, again] = [await streamFor(batch.students[0]!.token), await streamFor(batch.students[1]!.token), await streamFor(batch.students[0]!.token)];
        return first.body.url === again.body.url ? [first, second] : null;
      });
      expect(a.status).toBe(200);
      expect(b.body.url).toBe(a.body.url);
      expect(b.body.expiresAt).toBe(a.body.expiresAt);
      expect(a.body.url).toMatch(new RegExp(`^${t.url}/live-media/[^/]+/hls/master\\.m3u8$`));
      const validFor = Date.parse(a.body.expiresAt) - Date.now();
      expect(validFor).toBeGreaterThan(LINK_SECONDS * 1000 - 2_000);
      expect(validFor).toBeLessThanOrEqual(2 * LINK_SECONDS * 1000);
      expect(a.headers.get('cache-control')).toContain('no-store');
      // A student of another batch gets no URL.
      const outsider = await t.api<{ error: { code: string } }>('GET', `/api/v1/live-classes/${classId}/audience`, { token: school.batches[1]!.students[0]!.token });
      expect(outsider.status).toBe(403);
      expect(outsider.body.error.code).toBe('forbidden');

      // The master appears with the first segment; nothing personal is sent with any request.
      const master = await waitFor('the live master playlist', async () => {
        const r = await fetch(a.body.url);
        return r.status === 200 ? r : null;
      }, 30_000, 250);
      expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(master.headers.get('cache-control')).toBe('public, max-age=1');
      const rendition = (await master.text()).split('\n').find((l) => l.endsWith('.m3u8'))!;
      const base = a.body.url.slice(0, a.body.url.lastIndexOf('/') + 1);
      const playlistUrl = base + rendition;
      const playlist = await fetch(playlistUrl);
      expect(playlist.headers.get('cache-control')).toBe('public, max-age=1');
      const playlistText = await playlist.text();
      expect(playlistText).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
      // Live segments are 2 s long, so the audience stays a few seconds behind.
      expect(playlistText).toContain('#EXT-X-TARGETDURATION:2');
      const segment = playlistText.split('\n').find((l) => l.endsWith('.ts'))!;
      const segmentUrl = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1) + segment;
      const seg = await fetch(segmentUrl);
      expect(seg.status).toBe(200);
      expect(seg.headers.get('content-type')).toBe('video/mp2t');
      expect(seg.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      // A player on a CDN's origin may read the stream: the token in the URL is the whole grant.
      for (const r of [master, playlist, seg]) expect(r.headers.get('access-control-allow-origin')).toBe('*');
      const bytes = Buffer.from(await seg.arrayBuffer());
      expect(bytes[0]).toBe(0x47);
      expect(Buffer.from(await (await fetch(segmentUrl)).arrayBuffer()).equals(bytes)).toBe(true);

      const token = /\/live-media\/([^/]+)\//.exec(a.body.url)![1]!;
      const recordingId = token.split('.')[1]!;
      const expectRefused = async (url: string, status: number, code: string, message?: RegExp) => {
        const r = await fetch(url);
        expect(r.status, url).toBe(status);
        expect(r.headers.get('cache-control')).toBe('no-store');
        const body = (await r.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(code);
        if (message) expect(body.error.message).toMatch(message);
      };
      const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      await expectRefused(`${t.url}/live-media/${tampered}/hls/master.m3u8`, 403, 'forbidden', /not valid/);
      const otherRecording = token.replace(recordingId, `${recordingId.slice(0, -1)}x`);
      await expectRefused(`${t.url}/live-media/${otherRecording}/hls/master.m3u8`, 403, 'forbidden');
      const key = deriveKey(SECRET, 'live-audience');
      const expired = signAudienceToken({ recordingId, expiresAtUnix: Math.floor(Date.now() / 1000) - 1 }, key);
      await expectRefused(`${t.url}/live-media/${expired}/hls/master.m3u8`, 403, 'forbidden', /expired/);
      // Signed with the playback key, or a playback token: not an audience link.
      const wrongKey = signAudienceToken({ recordingId, expiresAtUnix: Math.floor(Date.now() / 1000) + 600 }, deriveKey(SECRET, 'playback'));
      await expectRefused(`${t.url}/live-media/${wrongKey}/hls/master.m3u8`, 403, 'forbidden');
      const playbackToken = signPlaybackToken({ recordingId, viewerId: batch.students[0]!.id, expiresAtUnix: Math.floor(Date.now() / 1000) + 600 }, deriveKey(SECRET, 'playback'));
      await expectRefused(`${t.url}/live-media/${playbackToken}/hls/master.m3u8`, 403, 'forbidden');
      // The audience link does not open the recording's other files, nor another recording's, nor the VOD route.
      const unknown = signAudienceToken({ recordingId: 'no-such-recording', expiresAtUnix: Math.floor(Date.now() / 1000) + 600 }, key);
      await expectRefused(`${t.url}/live-media/${unknown}/hls/master.m3u8`, 404, 'not_found');
      for (const file of ['source/original.ts', 'source/chat.jsonl', 'download.mp4', 'poster.jpg', `hls/../../${recordingId}/hls/master.m3u8`, 'hls/%2e%2e/%2e%2e/x/hls/master.m3u8', 'hls/720p/../../source/original.ts']) {
        const r = await fetch(`${t.url}/live-media/${token}/${file}`);
        expect(r.status, file).toBeGreaterThanOrEqual(400);
        expect(r.status, file).toBeLessThan(500);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBeTruthy();
      }
      const vod = await fetch(`${t.url}/media/${token}/hls/master.m3u8`);
      expect(vod.status).toBe(403);

      // Once the class ends no new link is issued, but watchers still fetch what their players have not reached
      // with the link they last had (renewed now: a busy machine may have taken longer than a link lives to get here).
      const last = await t.api<{ url: string }>('GET', `/api/v1/live-classes/${classId}/audience`, { token: batch.students[0]!.token });
      const lastSegmentUrl = segmentUrl.replace(token, /\/live-media\/([^/]+)\//.exec(last.body.url)![1]!);
      // The class is ended at once; its recording is finished after that, which on a busy machine outlasts a link.
      const ending = t.api('POST', `/api/v1/live-classes/${classId}/end`);
      await expect.poll(async () => (await t.api<{ status: string }>('GET', `/api/v1/live-classes/${classId}`)).body.status, { timeout: 10_000, interval: 100 }).toBe('ended');
      const after = await t.api<{ error: { code: string } }>('GET', `/api/v1/live-classes/${classId}/audience`, { token: batch.students[0]!.token });
      expect(after.status).toBe(409);
      expect((await fetch(last.body.url)).status).toBe(200);
      expect((await fetch(lastSegmentUrl)).status).toBe(200);
      expect((await ending).status).toBe(200);
    } finally {
      await t.api('POST', `/api/v1/live-classes/${classId}/end`);
      await host.close();
    }
  }, 120_000);

  it(`with ${SEATS} seats and 6 students: the instructor and the first 2 students are on WebRTC, 4 students are told there is nothing to watch until the class is recorded, then watch the live HLS with chat, and one let to speak moves to WebRTC; freed seats go to those who join next`, async () => {
    const batch = school.batches[0]!;
    // Not recorded at first: the audience is told plainly there is nothing to watch until the instructor records.
    const classId = await createNativeClass(t, school, 'Lecture for many', false);
    const host = await startClass(chrome, t, classId, batch.instructor.token, false);
    const pages: Page[] = [host];
    try {
      const seated: Page[] = [];
      for (const s of batch.students.slice(0, 2)) {
        const page = await openLive(chrome, t, classId, s.token);
        pages.push(page);
        await waitFor('a seat', async () => (await seatOf(page)) === 'interactive', 20_000);
        seated.push(page);
      }
      const watchers: Page[] = [];
      for (const s of batch.students.slice(2)) {
        const page = await openLive(chrome, t, classId, s.token);
        pages.push(page);
        await waitFor('the watch-only role', async () => (await seatOf(page)) === 'watch-only', 20_000);
        await expect.poll(() => page.textContent('#watch-notice'), { timeout: 10_000 }).toMatch(/live but is not being recorded, so it cannot be watched here/);
        expect(await streamProgress(page)).toBeNull();
        watchers.push(page);
      }
      await host.click('#record-toggle');
      await host.waitForSelector('#recording-status:not([hidden])', { timeout: 15_000 });

      for (const page of seated) {
        await page.waitForSelector('video.remote', { timeout: 20_000 });
        await expectWebRtcVideoRising(page, 20_000);
      }
      for (const page of watchers) {
        await expectStreamPlaying(page, 40_000);
        await expect.poll(() => page.textContent('#watch-notice')).toMatch(/Watching the live stream \(a few seconds behind\)/);
        // No WebRTC at all for the audience.
        expect(await page.evaluate(() => [window.aulaLive?.publisher ?? null, window.aulaLive?.subscriber ?? null])).toEqual([null, null]);
      }
      // The instructor sees who watches the stream.
      await expect.poll(() => host.locator('#participants li[data-seat="watch-only"]').count(), { timeout: 10_000 }).toBe(4);

      // The same chat reaches seats and audience alike, both ways.
      const [w1, w2, w3] = watchers as [Page, Page, Page, Page];
      // What the watcher's player fetches from now on: renewed links, each answered.
      const w2Tokens = new Set<string>();
      const w2Refused: string[] = [];
      w2.on('response', (r) => {
        const m = /\/live-media\/([^/]+)\//.exec(r.url());
        if (!m) return;
        w2Tokens.add(m[1]!);
        if (r.status() >= 400) w2Refused.push(`${r.status()} ${r.url()}`);
      });
      await sendChat(w1, 'A question from the stream');
      for (const page of [host, seated[0]!, w2]) await expect.poll(() => page.textContent('#chat-log'), { timeout: 10_000 }).toContain('A question from the stream');
      await sendChat(host, 'An answer for everyone');
      for (const page of [w1, w3]) await expect.poll(() => page.textContent('#chat-log'), { timeout: 10_000 }).toContain('An answer for everyone');

      // A watcher raises a hand and is let to speak: the seats are full, yet they move to WebRTC and publish.
      const w1Id = batch.students[2]!.id;
      await w1.click('#raise-hand');
      const w1Item = host.locator(`#participants li[data-id="${w1Id}"]`);
      await expect.poll(() => w1Item.getAttribute('class'), { timeout: 10_000 }).toContain('hand-raised');
      const hostAudioBefore = (await inbound(host)).audioPackets;
      await w1Item.locator('.allow-speak').click();
      await waitFor('the watcher to take a seat', async () => (await seatOf(w1)) === 'interactive', 15_000);
      await waitFor('the stream to leave the page', async () => (await streamProgress(w1)) === null, 10_000);
      await waitFor('the moved student to publish', () => w1.evaluate(() => window.aulaLive?.publisher?.connectionState === 'connected'), 20_000);
      await w1.waitForSelector('video.remote', { timeout: 20_000 });
      await expectWebRtcVideoRising(w1, 20_000);
      // Only this student has the word, so the instructor's incoming audio is theirs.
      await waitFor("the instructor to receive the moved student's microphone", async () => (await inbound(host)).audioPackets > hostAudioBefore + 50, 20_000, 250);
      await expect.poll(() => w1Item.getAttribute('data-seat'), { timeout: 10_000 }).toBe('interactive');
      // The other watchers go on watching, past the expiry of the link they started with: the page renewed it.
      await waitFor('a renewed link in use', () => w2Tokens.size >= 2, 3 * LINK_SECONDS * 1000, 250);
      await expectStreamPlaying(w2, 20_000);
      expect(w2Refused).toEqual([]);
      // A few seconds behind: how far the player is from the newest segment it knows of.
      const behind = await w2.evaluate(() => {
        const v = window.aulaLive!.audienceVideo!;
        return v.seekable.length ? v.seekable.end(v.seekable.length - 1) - v.currentTime : Number.NaN;
      });
      console.log(`watcher plays ${behind.toFixed(1)} s behind the end of the live stream it has loaded`);
      expect(behind).toBeLessThan(10);

      // Seats that free up are not handed to those already watching: their picture does not switch under them.
      for (const page of seated) await page.close();
      await expect.poll(() => host.locator('#participants li[data-role="student"]').count(), { timeout: 10_000 }).toBe(4);
      expect(await seatOf(w3)).toBe('watch-only');
      await expectStreamPlaying(w3, 20_000);
      // A watcher who comes back (a reload) takes a free seat.
      await w3.reload();
      await waitFor('the returning watcher to take a free seat', async () => (await seatOf(w3)) === 'interactive', 20_000);
      await w3.waitForSelector('video.remote', { timeout: 20_000 });
      expect(await streamProgress(w3)).toBeNull();
    } finally {
      await t.api('POST', `/api/v1/live-classes/${classId}/end`);
      for (const page of pages) if (!page.isClosed()) await page.close();
    }
  }, 240_000);
});
