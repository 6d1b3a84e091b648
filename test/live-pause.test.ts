import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeParticipant, startSyntheticMedia } from '../bench/sfu';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { waitFor } from './support/wait';
import { mediaDuration } from './support/media';

const run = promisify(execFile);
type Json = Record<string, unknown>;

interface Rec {
  id: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  pausedAt: string | null;
  durationSeconds: number | null;
  outputs: { renditions: Array<{ name: string }> } | null;
}
interface RecordingEvent { from: string | null; to: string; actor: string; reason: string; at: string }
interface ErrorBody { error: { code: string; message: string } }

/** The stretches (seconds) of a playlist where the picture is black: the filler of a missing camera. */
async function blackStretches(file: string): Promise<Array<{ start: number; end: number }>> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', file, '-an', '-vf', 'blackdetect=d=0.5:pix_th=0.1', '-f', 'null', '-'], { timeout: 60_000 });
  return [...stderr.matchAll(/black_start:([\d.]+) black_end:([\d.]+)/g)].map((m) => ({ start: Number(m[1]), end: Number(m[2]) }));
}

/** The next message of `type` for which `ok` holds. */
async function nextWhere(p: NodeParticipant, type: string, ok: (m: Json) => boolean, timeoutMs = 10_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await p.next(type, Math.max(1, deadline - Date.now()));
    if (ok(m)) return m;
  }
}

/** `p` says `text` in the room's chat; resolves when the room has it, with that moment (ms). */
async function say(p: NodeParticipant, text: string): Promise<number> {
  const echoed = nextWhere(p, 'chat', (m) => (m.message as { text?: string } | undefined)?.text === text);
  p.send({ type: 'chat', text });
  await echoed;
  return Date.now();
}

const pausedIs = (paused: boolean) => (m: Json) => (m.recording as { paused?: boolean } | null)?.paused === paused;

/** The instructor in Node: ffmpeg's test picture and a tone sent as real RTP, like a browser's camera and microphone. */
async function joinAsHost(t: TestAula, liveClassId: string, token: string) {
  const host = new NodeParticipant({ url: t.url, liveClassId, token });
  await host.join();
  const media = await startSyntheticMedia(await host.publish(), { kbps: 800 });
  return {
    host,
    async leave() {
      media.stop();
      await host.close();
    },
  };
}

describe('native live class: pausing the recording', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula({ AULA_LIVE_GRACE_SECONDS: '120' }), launchChromium()]);
    school = await seedSchool(t, { lessons: 1, studentsPerBatch: 2 });
  });
  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('a paused part is left out of the one recording, an instructor who drops out and comes back leaves a filled gap, and every pause is in its history', async () => {
    const batch = school.batches[0]!;
    const student = batch.students[0]!;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Paused class', batchId: batch.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30, autoRecord: true } });
    let instructor = await joinAsHost(t, cls.body.id, batch.instructor.token);
    const watcher = new NodeParticipant({ url: t.url, liveClassId: cls.body.id, token: student.token });
    try {
      const recording = instructor.host.next('recording', 20_000);
      instructor.host.send({ type: 'start-class' });
      await recording;
      await watcher.join();
      // A student's page, to see what the room shows.
      const page = await chrome.browser.newPage();
      await page.goto(`${t.url}/live/${cls.body.id}?token=${encodeURIComponent(batch.students[1]!.token)}`);
      await expect.poll(() => page.textContent('#recording-status:not([hidden])'), { timeout: 15_000 }).toBe('Recording');
      const [rec] = (await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${cls.body.id}`)).body.items;
      const recId = rec!.id;
      const hls = path.join(t.dataDir, 'media', 'recordings', recId, 'hls');
      const pauseUrl = `/api/v1/recordings/${recId}/pause`;
      const resumeUrl = `/api/v1/recordings/${recId}/resume`;

      // Refusals say why: a student may not pause, nor resume what is not paused, nor pause what is unknown.
      const notStaff = await t.api<ErrorBody>('POST', pauseUrl, { token: student.token });
      expect(notStaff.status).toBe(403);
      expect(notStaff.body.error.code).toBe('forbidden');
      const notPaused = await t.api<ErrorBody>('POST', resumeUrl, { token: batch.instructor.token });
      expect(notPaused.status).toBe(409);
      expect(notPaused.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/not paused/) });
      expect((await t.api<ErrorBody>('POST', '/api/v1/recordings/no-such-recording/pause')).status).toBe(404);
      const studentTries = watcher.next('error');
      watcher.send({ type: 'record', action: 'pause' });
      expect((await studentTries).code).toBe('forbidden');

      // Two segments (4 s) recorded, then the instructor pauses in the room: everyone is told.
      await waitFor('two segments before the pause', () => existsSync(path.join(hls, '720p', 'index.m3u8')) && readFileSync(path.join(hls, '720p', 'index.m3u8'), 'utf8').split('\n').filter((l) => l.endsWith('.ts')).length >= 2, 15_000, 50);
      await say(watcher, 'Before the break');
      const watcherSeesPause = nextWhere(watcher, 'recording', pausedIs(true));
      instructor.host.send({ type: 'record', action: 'pause' });
      expect((await nextWhere(instructor.host, 'recording', pausedIs(true))).recording).toMatchObject({ id: recId, paused: true });
      await watcherSeesPause;
      // Said while paused: everyone in the room reads it, the recording's chat leaves it out.
      await say(watcher, 'Said off the record');
      await expect.poll(() => page.textContent('#recording-status:not([hidden])'), { timeout: 5_000 }).toBe('Recording paused');
      const paused = await t.api<Rec>('GET', `/api/v1/recordings/${recId}`);
      expect(paused.body).toMatchObject({ status: 'recording', pausedAt: expect.any(String) });
      const again = await t.api<ErrorBody>('POST', pauseUrl, { token: batch.instructor.token });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/already paused/);

      // A pause of about 4 s, resumed from the instructor's console (over HTTP): the room hears it as well.
      const console_ = await chrome.browser.newPage();
      await console_.goto(`${t.url}/console?token=${encodeURIComponent(batch.instructor.token)}`);
      const resume = console_.locator(`button.resume-recording[data-recording-id="${recId}"]`);
      await resume.waitFor({ timeout: 15_000 });
      expect(await console_.textContent(`.badge[data-recording-id="${recId}"]`)).toBe('Paused');
      await waitFor('a pause of 4 s', () => (Date.now() - Date.parse(paused.body.pausedAt!) > 4_000 ? true : null), 10_000, 50);
      const watcherSeesResume = nextWhere(watcher, 'recording', pausedIs(false));
      await resume.click();
      await watcherSeesResume;
      const resumedAt = Date.now();
      const afterBreakAt = await say(watcher, 'After the break');
      expect((await t.api<Rec>('GET', `/api/v1/recordings/${recId}`)).body.pausedAt).toBeNull();
      await expect.poll(() => page.textContent('#recording-status:not([hidden])'), { timeout: 5_000 }).toBe('Recording');
      await console_.locator(`button.pause-recording[data-recording-id="${recId}"]`).waitFor({ timeout: 5_000 });
      await console_.close();
      // (It leaves now: this werift subscriber cannot follow the renegotiation of an instructor who comes back.)
      await watcher.close();

      // After 3 s more the instructor's page drops out for about 3 s and comes back: the recording goes on meanwhile.
      await waitFor('3 s after the resume', () => (Date.now() - resumedAt > 3_000 ? true : null), 10_000, 50);
      await instructor.leave();
      const leftAt = Date.now();
      await waitFor('3 s away', () => (Date.now() - leftAt > 3_000 ? true : null), 10_000, 50);
      instructor = await joinAsHost(t, cls.body.id, batch.instructor.token);
      expect((instructor.host.welcome?.recording as { id?: string } | null)?.id).toBe(recId);
      const backAt = Date.now();
      await waitFor('2 s after the return', () => (Date.now() - backAt > 2_000 ? true : null), 10_000, 50);

      await page.close();
      instructor.host.send({ type: 'end-class' });
      const ready = await waitFor('the recording to be ready', async () => {
        const r = await t.api<Rec>('GET', `/api/v1/recordings/${recId}`);
        return r.body.status === 'ready' ? r.body : null;
      }, 30_000, 100);

      // One recording; its history notes the pause and the resume, with who did it.
      const all = await t.api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${cls.body.id}`);
      expect(all.body.items.map((r) => r.id)).toEqual([recId]);
      const events = (await t.api<{ items: RecordingEvent[] }>('GET', `/api/v1/recordings/${recId}/events`)).body.items;
      const pauseEvent = events.find((e) => e.reason === 'paused in the room');
      const resumeEvent = events.find((e) => e.reason === 'resumed by hand');
      expect(pauseEvent).toMatchObject({ from: 'recording', to: 'recording' });
      expect(resumeEvent).toMatchObject({ from: 'recording', to: 'recording' });
      expect(events.map((e) => e.reason).indexOf('paused in the room')).toBeLessThan(events.map((e) => e.reason).indexOf('resumed by hand'));
      expect(ready.pausedAt).toBeNull();

      // As long as the class was recorded, less the pause; the instructor's absence is in it (filler), not cut out.
      const pausedSeconds = (Date.parse(resumeEvent!.at) - Date.parse(pauseEvent!.at)) / 1000;
      const expected = (Date.parse(ready.endedAt!) - Date.parse(ready.startedAt)) / 1000 - pausedSeconds;
      const top = path.join(hls, '720p', 'index.m3u8');
      const duration = await mediaDuration(top);
      console.log(`recorded ${expected.toFixed(2)} s (a pause of ${pausedSeconds.toFixed(2)} s left out): recording ${duration.toFixed(2)} s, API ${ready.durationSeconds?.toFixed(2)} s`);
      expect(pausedSeconds).toBeGreaterThan(3.5);
      expect(Math.abs(duration - expected)).toBeLessThan(1);
      expect(Math.abs(ready.durationSeconds! - expected)).toBeLessThan(1);

      // While the instructor was away (about 3 s, and until their picture is back) the recording shows the filler.
      const awayIn = (leftAt - Date.parse(ready.startedAt)) / 1000 - pausedSeconds;
      const black = await blackStretches(top);
      console.log(`away from ${awayIn.toFixed(2)} s of the recording; black: ${JSON.stringify(black)}`);
      expect(black.some((b) => b.start <= awayIn + 1 && b.end >= awayIn + 2.5)).toBe(true);

      // Every rendition is as long as the top one: made live through the pause, or, when a busy machine made the
      // class fall back to the top rung, by processing afterwards.
      const complete = await waitFor('every output', async () => {
        const r = (await t.api<Rec & { progress: { stage: string } | null }>('GET', `/api/v1/recordings/${recId}`)).body;
        return r.progress?.stage === 'done' && r;
      }, 60_000, 200);
      expect(complete.outputs?.renditions.map((r) => r.name).sort()).toEqual(['360p', '480p', '720p', 'audio']);
      const layout = recordingLayout(ready.id);
      for (const r of complete.outputs!.renditions) expect(Math.abs((await mediaDuration(path.join(t.dataDir, 'media', layout.renditionPlaylist(r.name)))) - duration)).toBeLessThan(1);

      // Its chat (made live, or by that processing) has what was said while recording, at its place on its clock.
      const chat = readFileSync(path.join(t.dataDir, 'media', layout.chatJson), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; text: string });
      expect(chat.map((m) => m.text)).toEqual(['Before the break', 'After the break']);
      const afterBreakIn = (afterBreakAt - Date.parse(ready.startedAt)) / 1000 - pausedSeconds;
      expect(Math.abs(chat[1]!.t - afterBreakIn)).toBeLessThan(1);

      // Once the recording is over it can no longer be paused.
      const over = await t.api<ErrorBody>('POST', pauseUrl, { token: batch.instructor.token });
      expect(over.status).toBe(409);
      expect(over.body.error.message).toMatch(/not recording/);
    } finally {
      await watcher.close();
      await instructor.leave();
    }
  }, 150_000);
});
