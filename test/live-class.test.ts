import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeAttendance } from '../src/services/live-room';
import { buildLiveEncodeArgs, pictureInPicture } from '../src/domain/media/ffmpeg-args/live';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { FILLER_VP8_KEYFRAME, matroskaHeader, MatroskaClusterWriter, OPUS_SILENCE, opusPacketMs } from '../src/services/live/recorder';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { createNativeClass, openLive } from './support/live-room';
import { startStunServer } from './support/stun-server';

type School = Awaited<ReturnType<typeof seedSchool>>;
const run = promisify(execFile);

interface Rec {
  id: string;
  status: string;
  startedAt?: string;
  durationSeconds: number | null;
  hasSourceChat: boolean;
  progress: { stage: string; percent: number } | null;
  outputs: { renditions: { name: string }[]; poster: boolean; mp4: boolean; chat: boolean } | null;
}

/** Mean luma of the frame at `at` seconds and the mean audio volume (dB) of the first seconds: real picture and sound, not filler. */
async function pictureAndSound(url: string, at: number, workDir: string): Promise<{ luma: number; volumeDb: number }> {
  const png = path.join(workDir, `frame-${Date.now()}.png`);
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-ss', String(at), '-i', url, '-frames:v', '1', png], { timeout: 60_000 });
  const pic = await run('ffmpeg', ['-hide_banner', '-i', png, '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-'], { timeout: 60_000 });
  const luma = Number(/lavfi\.signalstats\.YAVG=([\d.]+)/.exec(pic.stderr)?.[1] ?? 'NaN');
  const snd = await run('ffmpeg', ['-hide_banner', '-i', url, '-t', '8', '-vn', '-af', 'volumedetect', '-f', 'null', '-'], { timeout: 60_000 });
  const volumeDb = Number(/mean_volume: (-?[\d.]+) dB/.exec(snd.stderr)?.[1] ?? 'NaN');
  return { luma, volumeDb };
}

/** Mean luma of a region (an ffmpeg crop) of the frame at `at` seconds. */
async function lumaOf(url: string, at: number, crop: string, workDir: string): Promise<number> {
  const png = path.join(workDir, `region-${Date.now()}.png`);
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-ss', String(at), '-i', url, '-frames:v', '1', '-vf', crop, png], { timeout: 60_000 });
  const pic = await run('ffmpeg', ['-hide_banner', '-i', png, '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-'], { timeout: 60_000 });
  return Number(/lavfi\.signalstats\.YAVG=([\d.]+)/.exec(pic.stderr)?.[1] ?? 'NaN');
}

/** Duration and streams of an HLS URL as ffprobe reads it. */
async function probeHls(url: string): Promise<{ duration: number; codecs: string[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', url], { timeout: 60_000 });
  const json = JSON.parse(stdout) as { format: { duration?: string }; streams: { codec_name?: string }[] };
  return { duration: Number(json.format.duration), codecs: json.streams.map((s) => s.codec_name ?? '') };
}

interface MediaCounters {
  framesDecoded: number;
  audioEnergy: number;
  videoTracks: number;
  audioTracks: number;
}

/** Decoded video frames and received audio energy on the page's subscribe connection. */
async function mediaCounters(page: Page): Promise<MediaCounters> {
  return page.evaluate(async () => {
    const out = { framesDecoded: 0, audioEnergy: 0, videoTracks: 0, audioTracks: 0 };
    const pc = window.aulaLive?.subscriber;
    if (!pc) return out;
    const report = await pc.getStats();
    report.forEach((r: { type: string; kind?: string; framesDecoded?: number; totalAudioEnergy?: number }) => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'video') {
        out.videoTracks++;
        out.framesDecoded += r.framesDecoded ?? 0;
      } else if (r.kind === 'audio') {
        out.audioTracks++;
        out.audioEnergy += r.totalAudioEnergy ?? 0;
      }
    });
    return out;
  });
}

/** Waits until the page decodes new video frames and hears new sound on what it receives. */
async function expectPictureAndSoundRising(page: Page, timeoutMs: number): Promise<void> {
  const before = await mediaCounters(page);
  await expect
    .poll(async () => {
      const now = await mediaCounters(page);
      return now.framesDecoded > before.framesDecoded + 10 && now.audioEnergy > before.audioEnergy;
    }, { timeout: timeoutMs, interval: 250 })
    .toBe(true);
}

describe('live recording building blocks', () => {
  it('a live Matroska stream of filler pictures and silence encodes to H.264/AAC HLS of the same length', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-live-mkv-'));
    try {
      const mkv = new MatroskaClusterWriter();
      const parts = [matroskaHeader([{ number: 1, kind: 'video' }, { number: 2, kind: 'video', width: 16, height: 16 }, { number: 3, kind: 'audio' }, { number: 4, kind: 'audio' }])];
      const blocks: { ts: number; track: number; data: Buffer }[] = [];
      for (let ts = 0; ts <= 6_000; ts += 100) blocks.push({ ts, track: 1, data: FILLER_VP8_KEYFRAME }, { ts, track: 2, data: FILLER_VP8_KEYFRAME });
      for (let ts = 0; ts < 6_000; ts += 20) blocks.push({ ts, track: 3, data: OPUS_SILENCE }, { ts, track: 4, data: OPUS_SILENCE });
      blocks.sort((a, b) => a.ts - b.ts);
      for (const b of blocks) parts.push(mkv.block(b.track, b.ts, true, b.data));
      const input = path.join(dir, 'in.webm');
      writeFileSync(input, Buffer.concat(parts));
      const hlsDir = path.join(dir, 'hls');
      mkdirSync(hlsDir);
      const args = buildLiveEncodeArgs({ hlsDir, audioInputs: 2, width: 640, height: 360, fps: 25, preset: 'ultrafast', crf: 30, maxKbps: 800, audioKbps: 64 });
      const i = args.indexOf('pipe:0');
      args[i] = input;
      await run('ffmpeg', args, { timeout: 60_000 });
      const probe = await probeHls(path.join(hlsDir, 'index.m3u8'));
      expect(probe.codecs).toEqual(['h264', 'aac']);
      expect(Math.abs(probe.duration - 6)).toBeLessThan(0.3);
      expect(readFileSync(path.join(hlsDir, 'index.m3u8'), 'utf8')).toContain('#EXT-X-ENDLIST');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Opus packet durations come from the TOC byte', () => {
    expect(opusPacketMs(OPUS_SILENCE)).toBe(20);
    expect(opusPacketMs(Buffer.from([0x78]))).toBe(20); // SILK WB 20 ms, one frame (Chrome's usual)
    expect(opusPacketMs(Buffer.from([0x79]))).toBe(40); // two frames
    expect(opusPacketMs(Buffer.from([0xe0]))).toBe(2.5); // CELT 2.5 ms
  });

  it('attendance merges overlapping sessions, clips them to the class and closes open ones', () => {
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 10, 0, s)).toISOString();
    const people = computeAttendance([
      { type: 'join', at: at(0), userId: 'a', name: 'Ann', role: 'student' },
      { type: 'join', at: at(5), userId: 'a', name: 'Ann', role: 'student' },
      { type: 'leave', at: at(20), userId: 'a' },
      { type: 'leave', at: at(30), userId: 'a' },
      { type: 'join', at: at(40), userId: 'a', name: 'Ann', role: 'student' },
      { type: 'join', at: at(50), userId: 'b', name: 'Ben', role: 'student' },
    ], { from: at(10), until: at(55) });
    expect(people.get('a')!.sessions).toEqual([{ joinedAt: at(10), leftAt: at(30) }, { joinedAt: at(40), leftAt: at(55) }]);
    expect(people.get('b')!.sessions).toEqual([{ joinedAt: at(50), leftAt: at(55) }]);
  });
});

describe('native live class in Chromium', () => {
  let t: TestAula;
  let school: School;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    t = await startAula({ AULA_LIVE_GRACE_SECONDS: '300', AULA_LIVE_QUALITY_SECONDS: '2' });
    school = await seedSchool(t, { batches: 2, studentsPerBatch: 2 });
    chrome = await launchChromium({ media: true });
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });
  // A test that failed half-way leaves no page publishing beside the next one (or its retry).
  afterEach(() => chrome?.closePages());

  it('the instructor starts the class, two enrolled students receive camera and microphone, chat flows both ways, a student of another batch is refused', async () => {
    const classId = await createNativeClass(t, school);
    const [batch, otherBatch] = [school.batches[0]!, school.batches[1]!];

    // Before the class starts a student waits with a clear message.
    const early = await openLive(chrome, t, classId, batch.students[0]!.token);
    await expect.poll(() => early.textContent('#live-message'), { timeout: 10_000 }).toMatch(/has not started yet/);

    const host = await openLive(chrome, t, classId, batch.instructor.token);
    await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
    await host.click('#start-class');
    await expect.poll(() => host.textContent('#class-status'), { timeout: 10_000 }).toBe('live');
    const cls = await t.api<{ status: string }>('GET', `/api/v1/live-classes/${classId}`);
    expect(cls.body.status).toBe('live');

    // The waiting student joins by itself; a second student opens the page now.
    const s1 = early;
    const s2 = await openLive(chrome, t, classId, batch.students[1]!.token);
    for (const page of [s1, s2]) {
      await page.waitForSelector('video.remote', { timeout: 20_000 });
    }
    for (const page of [s1, s2]) {
      await expectPictureAndSoundRising(page, 20_000);
      const counters = await mediaCounters(page);
      expect(counters.videoTracks).toBeGreaterThanOrEqual(1);
      expect(counters.audioTracks).toBeGreaterThanOrEqual(1);
    }

    // Everyone sees everyone in the participant list.
    await expect.poll(() => host.locator('#participants li').count(), { timeout: 10_000 }).toBe(3);

    // Chat both ways, with the author's name.
    await s1.fill('#chat-input', 'Is x = 3 the answer?');
    await s1.press('#chat-input', 'Enter');
    await expect.poll(() => host.textContent('#chat-log'), { timeout: 10_000 }).toContain('Is x = 3 the answer?');
    await expect.poll(() => s2.textContent('#chat-log'), { timeout: 10_000 }).toContain('Is x = 3 the answer?');
    await host.fill('#chat-input', 'Yes, well done');
    await host.click('#chat-send');
    for (const page of [s1, s2]) await expect.poll(() => page.textContent('#chat-log'), { timeout: 10_000 }).toContain('Yes, well done');
    expect(await host.textContent('#chat-log')).toContain('Student 1.1');

    // A student of another batch is refused at signaling, with a clear message, and does not retry.
    const outsider = await openLive(chrome, t, classId, otherBatch.students[0]!.token);
    await expect.poll(() => outsider.textContent('#live-message'), { timeout: 10_000 }).toMatch(/not enrolled in the batch of this class/);
    expect(await outsider.evaluate(() => window.aulaLive?.state)).toBe('stopped');
    expect(await outsider.locator('video.remote').count()).toBe(0);

    // A student whose media connection breaks rejoins by itself, without a reload, and receives video again.
    await s2.evaluate(() => window.aulaLive?.subscriber?.close());
    await expect.poll(() => s2.evaluate(() => window.aulaLive?.reconnects ?? 0), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => s2.evaluate(() => window.aulaLive?.state), { timeout: 15_000 }).toBe('joined');
    await expect.poll(async () => (await mediaCounters(s2)).framesDecoded, { timeout: 20_000, interval: 500 }).toBeGreaterThan(10);

    // The instructor reloads: the class stays live, and both students see and hear them again without a reload.
    const reloadAt = Date.now();
    await host.reload();
    await expect.poll(() => host.evaluate(() => window.aulaLive?.state), { timeout: 15_000 }).toBe('joined');
    expect(await host.textContent('#class-status')).toBe('live');
    const backAt = Date.now();
    for (const page of [s1, s2]) await expectPictureAndSoundRising(page, 15_000);
    console.log(`students' video and audio back ${((Date.now() - backAt) / 1000).toFixed(1)} s after the instructor rejoined, ${((Date.now() - reloadAt) / 1000).toFixed(1)} s after the reload`);

    for (const page of [s1, s2, host, outsider]) await page.close();
  }, 110_000);

  it('records while live: the recording is playable within 5 s of the class ending, as long as the class, with the chat as its transcript', async () => {
    const classId = await createNativeClass(t, school, { autoRecord: true, title: 'Recorded geometry' });
    const batch = school.batches[0]!;
    const host = await openLive(chrome, t, classId, batch.instructor.token);
    await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
    // Before the start the chat says it opens with the class, and takes nothing.
    expect(await host.isDisabled('#chat-input')).toBe(true);
    expect(await host.getAttribute('#chat-input', 'placeholder')).toBe('The chat opens when the class starts');
    await host.click('#start-class');
    const classStartedAt = Date.now();
    await expect.poll(() => host.textContent('#class-status'), { timeout: 10_000 }).toBe('live');
    await host.waitForSelector('#recording-status:not([hidden])', { timeout: 10_000 });
    const student = await openLive(chrome, t, classId, batch.students[0]!.token);
    await student.waitForSelector('video.remote', { timeout: 20_000 });

    await student.fill('#chat-input', 'First question');
    await student.press('#chat-input', 'Enter');
    await expect.poll(() => host.textContent('#chat-log'), { timeout: 10_000 }).toContain('First question');
    // The screen is shared for a while: the recording shows it with the camera in a corner.
    await new Promise((r) => setTimeout(r, 2_000));
    const recStart = Date.parse((await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`)).body.items[0]!.startedAt ?? '');
    await host.click('#share-screen');
    await student.waitForSelector('video.remote[data-source="screen"]', { timeout: 15_000 });
    const shareFrom = (Date.now() - recStart) / 1000;
    await new Promise((r) => setTimeout(r, 7_000));
    const shareTo = (Date.now() - recStart) / 1000;
    await host.click('#share-screen');
    await new Promise((r) => setTimeout(r, 3_000));
    await host.fill('#chat-input', 'Answer from the instructor');
    await host.press('#chat-input', 'Enter');
    await expect.poll(() => student.textContent('#chat-log'), { timeout: 10_000 }).toContain('Answer from the instructor');
    // The class lasts about 25 s: long enough for several segments and both layouts, short enough to run often.
    await new Promise((r) => setTimeout(r, Math.max(3_000, 18_000 - (Date.now() - classStartedAt))));

    // While the class runs, segments are already in storage.
    const live = await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`);
    const recId = live.body.items[0]!.id;
    expect(live.body.items[0]!.status).toBe('recording');
    const liveDir = path.join(t.dataDir, 'media', 'recordings', recId, 'hls', '720p');
    expect(existsSync(path.join(liveDir, 'seg_00000.ts'))).toBe(true);

    const endClicked = Date.now();
    await host.click('#end-class');
    let readyAfter = 0;
    await expect
      .poll(async () => {
        const r = await t.api<Rec>('GET', `/api/v1/recordings/${recId}`);
        if (r.body.status === 'ready' && !readyAfter) readyAfter = (Date.now() - endClicked) / 1000;
        return r.body.status;
      }, { timeout: 15_000, interval: 100 })
      .toBe('ready');
    expect(readyAfter).toBeLessThan(5);
    // A student opening the recording in a new page sees it play, still within 5 s of "end class".
    const viewer = await chrome.browser.newPage();
    await viewer.goto(`${t.url}/recordings/${recId}?token=${encodeURIComponent(batch.students[0]!.token)}`);
    await viewer.click('#play-toggle');
    await viewer.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 0.2, undefined, { timeout: 15_000 });
    const playingAfter = (Date.now() - endClicked) / 1000;
    expect(playingAfter).toBeLessThan(5);
    await viewer.close();
    await expect.poll(() => student.textContent('#live-message'), { timeout: 10_000 }).toMatch(/ended/);
    // After the end the page closes everything: no hand, no chat, no stale "Waiting for video…".
    await expect.poll(() => student.isDisabled('#chat-input')).toBe(true);
    expect(await student.isHidden('#raise-hand')).toBe(true);
    expect(await student.textContent('#stage .placeholder')).toBe('The class has ended');
    expect(await student.getAttribute('#chat-input', 'placeholder')).toBe('The chat is closed');

    const cls = await t.api<{ startedAt: string; endedAt: string; status: string }>('GET', `/api/v1/live-classes/${classId}`);
    expect(cls.body.status).toBe('ended');
    const classSeconds = (Date.parse(cls.body.endedAt) - Date.parse(cls.body.startedAt)) / 1000;
    const playback = await t.api<{ hls: string }>('GET', `/api/v1/recordings/${recId}/playback`);
    expect(playback.status).toBe(200);
    const probe = await probeHls(playback.body.hls);
    expect(probe.codecs).toEqual(expect.arrayContaining(['h264', 'aac']));
    expect(Math.abs(probe.duration - classSeconds)).toBeLessThan(1);
    // The instructor's camera and microphone are in it (Chromium's fake devices: a moving picture and beeps).
    const content = await pictureAndSound(playback.body.hls, 10, t.dataDir);
    // While the screen was shared the camera sits in a bordered corner picture; before, it filled the frame.
    const pip = pictureInPicture(1280, 720);
    const border = `crop=${pip.w + 2 * pip.border}:${pip.border}:${pip.x}:${pip.y}`;
    expect(await lumaOf(playback.body.hls, (shareFrom + shareTo) / 2 + 1, border, t.dataDir)).toBeGreaterThan(150);
    expect(await lumaOf(playback.body.hls, Math.max(1, shareFrom - 2), border, t.dataDir)).toBeLessThan(150);
    expect(content.luma).toBeGreaterThan(20);
    expect(content.volumeDb).toBeGreaterThan(-60);

    // The chat of the room is the recording's transcript, timed from the recording's start.
    const rec = await t.api<Rec>('GET', `/api/v1/recordings/${recId}`);
    expect(rec.body.hasSourceChat).toBe(true);
    expect(JSON.stringify(rec.body)).not.toMatch(/Key"|recordings\//);
    const chatFile = path.join(t.dataDir, 'media', recordingLayout(recId).sourceChat);
    await expect.poll(() => existsSync(chatFile), { timeout: 5_000 }).toBe(true);
    const chat = readFileSync(chatFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; author: string; text: string });
    expect(chat.map((m) => m.text)).toEqual(['First question', 'Answer from the instructor']);
    expect(chat[0]!.author).toBe('Student 1.1');
    expect(chat[1]!.t).toBeGreaterThan(chat[0]!.t + 10);
    expect(chat[1]!.t).toBeLessThan(classSeconds);

    // The full pipeline then adds the other renditions, the poster, the download and the chat track.
    const done = await expect
      .poll(async () => (await t.api<Rec>('GET', `/api/v1/recordings/${recId}`)).body.progress?.stage, { timeout: 60_000, interval: 500 })
      .toBe('done');
    void done;
    const final = await t.api<Rec>('GET', `/api/v1/recordings/${recId}`);
    expect(final.body.status).toBe('ready');
    expect(final.body.outputs?.renditions.length).toBeGreaterThan(1);
    expect(final.body.outputs).toMatchObject({ mp4: true, chat: true });
    const again = await probeHls((await t.api<{ hls: string }>('GET', `/api/v1/recordings/${recId}/playback`)).body.hls);
    expect(Math.abs(again.duration - classSeconds)).toBeLessThan(1.5);
    for (const page of [host, student]) await page.close();
  }, 170_000);

  it('the instructor shares the screen while the camera keeps running, lets a raised hand speak, takes it back, mutes, records twice by hand and removes; attendance counts time present', async () => {
    const classId = await createNativeClass(t, school, { title: 'Interactive class' });
    const batch = school.batches[0]!;
    const [alice, bob] = [batch.students[0]!, batch.students[1]!];
    const host = await openLive(chrome, t, classId, batch.instructor.token);
    await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
    await host.click('#start-class');
    await expect.poll(() => host.textContent('#class-status'), { timeout: 10_000 }).toBe('live');
    // Recording by hand: start now, stop later, start again: two recordings.
    await host.click('#record-toggle');
    await host.waitForSelector('#recording-status:not([hidden])', { timeout: 10_000 });
    const a = await openLive(chrome, t, classId, alice.token);
    const b = await openLive(chrome, t, classId, bob.token);
    for (const page of [a, b]) await page.waitForSelector('video.remote[data-source="camera"]', { timeout: 20_000 });

    // Screen share: students get a second picture; the camera keeps decoding.
    await host.click('#share-screen');
    await a.waitForSelector('video.remote[data-source="screen"]', { timeout: 20_000 });
    const perTrack = () => a.evaluate(async () => {
      const out: Record<string, number> = {};
      const report = await window.aulaLive?.subscriber?.getStats();
      report?.forEach((r: { type: string; kind?: string; mid?: string; framesDecoded?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video' && r.mid) out[r.mid] = r.framesDecoded ?? 0;
      });
      return out;
    });
    const screenMid = await a.getAttribute('video.remote[data-source="screen"]', 'data-mid');
    const cameraMid = await a.getAttribute('video.remote[data-source="camera"]', 'data-mid');
    const before = await perTrack();
    await expect.poll(async () => {
      const now = await perTrack();
      return (now[screenMid!] ?? 0) > (before[screenMid!] ?? 0) + 5 && (now[cameraMid!] ?? 0) > (before[cameraMid!] ?? 0) + 5;
    }, { timeout: 20_000, interval: 500 }).toBe(true);
    await host.click('#share-screen');
    await expect.poll(() => a.locator('video.remote[data-source="screen"]').count(), { timeout: 15_000 }).toBe(0);
    expect(await a.locator('video.remote[data-source="camera"]').count()).toBe(1);

    // Raise hand → let speak: Alice's microphone reaches the instructor and Bob.
    await a.click('#raise-hand');
    const aliceRow = `#participants li[data-id="${alice.id}"]`;
    await host.waitForSelector(`${aliceRow}.hand-raised`, { timeout: 10_000 });
    const audioFrom = (page: Page) => page.locator('audio.remote-audio').count();
    expect(await audioFrom(host)).toBe(0);
    await host.click(`${aliceRow} .allow-speak`);
    await expect.poll(() => audioFrom(host), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => audioFrom(b), { timeout: 20_000 }).toBe(2);
    const energy = () => host.evaluate(async () => {
      let e = 0;
      const report = await window.aulaLive?.subscriber?.getStats();
      report?.forEach((r: { type: string; kind?: string; totalAudioEnergy?: number }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') e += r.totalAudioEnergy ?? 0;
      });
      return e;
    });
    const e0 = await energy();
    await expect.poll(async () => (await energy()) > e0, { timeout: 20_000, interval: 500 }).toBe(true);
    expect(await host.locator(`${aliceRow}.hand-raised`).count()).toBe(0);

    // Mute: the server stops forwarding her microphone and tells her.
    await host.click(`${aliceRow} .mute`);
    await expect.poll(() => audioFrom(host), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => a.textContent('#live-message'), { timeout: 10_000 }).toMatch(/muted/);
    // She may unmute herself while she has the word; then the instructor takes it back.
    await a.click('#mute-self');
    await expect.poll(() => audioFrom(host), { timeout: 15_000 }).toBe(1);
    await host.click(`${aliceRow} .allow-speak`);
    await expect.poll(() => audioFrom(host), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => a.textContent('#live-message'), { timeout: 10_000 }).toMatch(/took back/);

    await expect.poll(() => host.textContent('#record-toggle'), { timeout: 5_000 }).toBe('Stop recording');
    // Stopping finishes the recording first (its last segment, the rest of the ladder): on a busy machine, seconds.
    const stopClicked = Date.now();
    await host.click('#record-toggle');
    await host.waitForSelector('#recording-status[hidden]', { state: 'attached', timeout: 30_000 });
    console.log(`recording stopped by hand: the room said so ${((Date.now() - stopClicked) / 1000).toFixed(1)} s after the click`);
    await host.click('#record-toggle');
    await host.waitForSelector('#recording-status:not([hidden])', { timeout: 10_000 });

    // Remove: Bob is told, his page stops, and he cannot come back.
    await host.click(`#participants li[data-id="${bob.id}"] .remove`);
    await expect.poll(() => b.textContent('#live-message'), { timeout: 10_000 }).toMatch(/removed you/);
    expect(await b.evaluate(() => window.aulaLive?.state)).toBe('stopped');
    const bAgain = await openLive(chrome, t, classId, bob.token);
    await expect.poll(() => bAgain.textContent('#live-message'), { timeout: 10_000 }).toMatch(/removed you/);
    await expect.poll(() => host.locator('#participants li').count(), { timeout: 10_000 }).toBe(2);

    await new Promise((r) => setTimeout(r, 1_500));
    await host.click('#end-class');
    await expect.poll(async () => (await t.api<{ status: string }>('GET', `/api/v1/live-classes/${classId}`)).body.status, { timeout: 10_000 }).toBe('ended');
    await expect
      // The live encoder of a busy machine may still be working off its backlog when the class ends; the time to
      // playable itself is measured by the live-ladder test and bench/time-to-playable.ts.
      .poll(async () => (await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`)).body.items.map((r) => r.status), { timeout: 45_000, interval: 250 })
      .toEqual(['ready', 'ready']);

    // Alice then watches two seconds of the first recording.
    const firstRecording = (await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${classId}`)).body.items.at(-1)!;
    const heartbeat = (position: number, event: string) =>
      t.api('POST', `/api/v1/recordings/${firstRecording.id}/progress`, { token: alice.token, body: { sessionId: `attendance-${classId}`, position, playing: event === 'play', event } });
    expect((await heartbeat(0, 'play')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await heartbeat(2, 'pause')).status).toBe(200);

    // Attendance: every enrolled student, with time present and, beside it, time watched of the recordings.
    interface Connection { samples: number; medianRttMs: number | null; maxRttMs: number | null; upLossPercent: number | null; downLossPercent: number | null; upKbps: number; downKbps: number }
    const report = await t.api<{ items: { userId: string; name: string; secondsPresent: number; sessions: unknown[]; enrolled: boolean; recordingWatch: { watchedSeconds: number; watchedPercent: number }; connection: Connection | null }[] }>('GET', `/api/v1/live-classes/${classId}/attendance`, { token: batch.instructor.token });
    expect(report.status).toBe(200);
    const rows = new Map(report.body.items.map((r) => [r.userId, r]));
    expect(rows.size).toBe(2);
    const cls = await t.api<{ startedAt: string; endedAt: string }>('GET', `/api/v1/live-classes/${classId}`);
    const classSeconds = (Date.parse(cls.body.endedAt) - Date.parse(cls.body.startedAt)) / 1000;
    expect(rows.get(alice.id)!.secondsPresent).toBeGreaterThan(classSeconds - 8);
    expect(rows.get(alice.id)!.secondsPresent).toBeLessThanOrEqual(Math.ceil(classSeconds));
    expect(rows.get(bob.id)!.secondsPresent).toBeGreaterThan(0);
    expect(rows.get(bob.id)!.secondsPresent).toBeLessThan(rows.get(alice.id)!.secondsPresent);
    expect(rows.get(alice.id)!.recordingWatch.watchedSeconds).toBeCloseTo(2, 0);
    expect(rows.get(alice.id)!.recordingWatch.watchedPercent).toBeGreaterThan(0);
    expect(rows.get(bob.id)!.recordingWatch).toEqual({ watchedSeconds: 0, watchedPercent: 0, timeSpentSeconds: 0 });
    // Connection quality from the SFU's own stats: both students received the class (bitrate to them), on loopback
    // with next to no loss and a round trip measured from their receiver reports.
    for (const student of [alice, bob]) {
      const c = rows.get(student.id)!.connection!;
      expect(c, `connection of ${student.id}`).not.toBeNull();
      expect(c.samples).toBeGreaterThanOrEqual(2);
      expect(c.downKbps).toBeGreaterThan(50);
      expect(c.downLossPercent ?? 0).toBeLessThan(5);
      expect(c.medianRttMs).not.toBeNull();
      expect(c.medianRttMs!).toBeGreaterThanOrEqual(0);
      expect(c.medianRttMs!).toBeLessThan(1_000);
    }
    const csv = await t.api<string>('GET', `/api/v1/live-classes/${classId}/attendance?format=csv`, { token: batch.instructor.token });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe('user_id,name,email,enrolled,first_joined_at,last_left_at,seconds_present,sessions,recording_watched_seconds,recording_watched_percent,connection_median_rtt_ms,connection_max_rtt_ms,connection_upload_loss_percent,connection_download_loss_percent,connection_upload_kbps,connection_download_kbps');
    expect(lines.find((l) => l.startsWith(alice.id))).toContain(`,${rows.get(alice.id)!.connection!.downKbps}`);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(alice.id))).toContain(`,${rows.get(alice.id)!.secondsPresent},`);
    // Students do not see the register.
    expect((await t.api('GET', `/api/v1/live-classes/${classId}/attendance`, { token: alice.token })).status).toBe(403);
    for (const page of [host, a, b, bAgain]) await page.close();
  }, 150_000);
});

interface IceCandidateLine {
  address: string;
  port: number;
  type: string;
}

/** The candidates of an SDP: `a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`. */
function candidatesOf(sdp: string): IceCandidateLine[] {
  return sdp
    .split(/\r?\n/)
    .filter((line) => line.startsWith('a=candidate:'))
    .map((line) => {
      const fields = line.split(' ');
      return { address: fields[4] ?? '', port: Number(fields[5]), type: fields[7] ?? '' };
    });
}

describe('native live class ICE beyond a LAN, in Chromium', () => {
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    chrome = await launchChromium({ media: true });
  });
  afterAll(async () => {
    await chrome?.close();
  });

  async function liveClassWithHost(t: TestAula) {
    const school = await seedSchool(t, { batches: 1, studentsPerBatch: 1 });
    const classId = await createNativeClass(t, school);
    const batch = school.batches[0]!;
    const host = await openLive(chrome, t, classId, batch.instructor.token);
    await host.waitForSelector('#start-class:not([hidden])', { timeout: 15_000 });
    await host.click('#start-class');
    return { classId, batch, host };
  }

  it('the configured STUN server reaches both browsers and the SFU, media still flows on loopback, and the SFU keeps to the port range', async () => {
    // A STUN server that reports a public address no one else would put in a candidate.
    const stun = await startStunServer('198.51.100.7');
    const low = 45_000 + Math.floor(Math.random() * 100) * 100;
    const high = low + 99;
    const t = await startAula({ AULA_ICE_SERVERS: JSON.stringify([{ urls: stun.url }]), AULA_ICE_PORT_RANGE: `${low}-${high}` });
    try {
      const { classId, batch, host } = await liveClassWithHost(t);
      const student = await openLive(chrome, t, classId, batch.students[0]!.token);
      await student.waitForSelector('video.remote', { timeout: 20_000 });
      await expect.poll(async () => (await mediaCounters(student)).framesDecoded, { timeout: 20_000, interval: 500 }).toBeGreaterThan(10);

      const urlsOf = (page: Page, side: 'publisher' | 'subscriber') =>
        page.evaluate((s) => (window.aulaLive?.[s]?.getConfiguration().iceServers ?? []).flatMap((server) => [server.urls].flat()), side);
      expect(await urlsOf(student, 'subscriber')).toEqual([stun.url]);
      expect(await urlsOf(host, 'publisher')).toEqual([stun.url]);

      // The browser gathered a server-reflexive candidate from it for its offer.
      const hostOffer = candidatesOf(await host.evaluate(() => window.aulaLive?.publisher?.localDescription?.sdp ?? ''));
      expect(hostOffer).toContainEqual(expect.objectContaining({ address: '198.51.100.7', type: 'srflx' }));
      // So did the SFU, for the offer the student received; its own sockets sit inside the range.
      const sfuOffer = candidatesOf(await student.evaluate(() => window.aulaLive?.subscriber?.remoteDescription?.sdp ?? ''));
      expect(sfuOffer).toContainEqual(expect.objectContaining({ address: '198.51.100.7', type: 'srflx' }));
      const sfuHosts = sfuOffer.filter((c) => c.type === 'host');
      expect(sfuHosts.length).toBeGreaterThan(0);
      for (const c of sfuHosts) {
        expect(c.port).toBeGreaterThanOrEqual(low);
        expect(c.port).toBeLessThanOrEqual(high);
      }
      for (const page of [student, host]) await page.close();
    } finally {
      await t.close();
      await stun.close();
    }
  }, 60_000);

  it('with an announced address the SFU puts that address, and no local one, in the candidates it sends', async () => {
    const t = await startAula({ AULA_ICE_ANNOUNCED_ADDRESS: '203.0.113.9' });
    try {
      const { host } = await liveClassWithHost(t);
      // The SFU's answer to the instructor's camera and microphone; media cannot flow to a documentation address.
      const answer = () => host.evaluate(() => window.aulaLive?.publisher?.remoteDescription?.sdp ?? '');
      await expect.poll(answer, { timeout: 20_000 }).toContain('a=candidate:');
      const candidates = candidatesOf(await answer());
      expect(candidates.length).toBeGreaterThan(0);
      expect(candidates.map((c) => `${c.address} ${c.type}`)).toEqual(candidates.map(() => '203.0.113.9 host'));
      await host.close();
    } finally {
      await t.close();
    }
  }, 60_000);
});
