import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo, mediaDuration } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';
import { waitFor } from './support/wait';

const run = promisify(execFile);

interface Trim { startSeconds: number; endSeconds: number; state: 'cutting' | 'done' | 'failed'; originalDurationSeconds: number }
interface Rec { id: string; status: string; durationSeconds: number | null; trim: Trim | null }
interface Playback { hls: string; mp4: string; captions: string | null; chat: string | null; thumbnails: string | null }
type ErrorBody = { error: { code: string; message: string } };

/** Seconds of media the first variant playlist of a master playlist lists, as a player adds them up. */
async function playlistSeconds(masterUrl: string): Promise<number> {
  const master = await (await fetch(masterUrl)).text();
  const variant = new URL(master.split('\n').find((l) => l.endsWith('.m3u8'))!, masterUrl);
  const playlist = await (await fetch(variant)).text();
  return playlist.split('\n').filter((l) => l.startsWith('#EXTINF:')).reduce((sum, l) => sum + Number.parseFloat(l.slice(8)), 0);
}

/** Start time of the cue whose text contains `text`, or null. */
async function cueStart(url: string | null, text: string): Promise<number | null> {
  if (!url) return null;
  const vtt = await (await fetch(url)).text();
  const blocks = vtt.split(/\n\n+/);
  const block = blocks.find((b) => b.includes(text));
  const m = block && /(\d+):(\d{2}):(\d{2}\.\d{3}) -->/.exec(block);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : null;
}

describe('trimming a recording', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;
  const student = () => school.batches[0]!.students[0]!.token;
  const playback = async () => (await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() })).body;

  beforeAll(async () => {
    t = await startAula();
    school = await seedSchool(t, { batches: 1 });
    const classId = await scheduleClass(t, { title: 'Trimmed lecture', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    const video = await makeTestVideo(path.join(t.dataDir, 'lecture.mp4'), { seconds: 20, width: 640, height: 360 });
    recordingId = await uploadRecording(t, classId, video, { title: 'Lecture' });
    await waitUntilProcessed(t, [recordingId]);
    const captions = 'WEBVTT\n\n00:00:02.000 --> 00:00:03.500\nBefore the class began\n\n00:00:08.000 --> 00:00:09.500\nThe first theorem\n\n00:00:17.000 --> 00:00:18.500\nAfter the break\n';
    expect((await t.api('PUT', `/api/v1/recordings/${recordingId}/captions`, { rawBody: captions, headers: { 'content-type': 'text/vtt' } })).status).toBe(200);
    const chat = [{ t: 1, author: 'Ana', text: 'Are we starting?' }, { t: 7, author: 'Ben', text: 'Why is it true?' }, { t: 18, author: 'Ana', text: 'Thanks!' }].map((l) => JSON.stringify(l)).join('\n');
    expect((await t.api('PUT', `/api/v1/recordings/${recordingId}/chat`, { rawBody: chat, headers: { 'content-type': 'application/x-ndjson' } })).status).toBe(200);
    await waitFor('the chat track', async () => (await playback()).chat);
  }, 180_000);
  afterAll(async () => t.close());

  it('staff keep 5–15 s: students see the cut at once, then a precise cut whose MP4, captions and chat follow; undo brings the original back at once', async () => {
    const before = await playback();
    expect(await playlistSeconds(before.hls)).toBeCloseTo(20, 0);

    const trimmed = await t.api<Rec>('PUT', `/api/v1/recordings/${recordingId}/trim`, { body: { startSeconds: 5, endSeconds: 15 } });
    expect(trimmed.status).toBe(200);
    expect(trimmed.body.trim).toMatchObject({ startSeconds: 5, endSeconds: 15, originalDurationSeconds: expect.closeTo(20, 0) });

    // At once: whole segments around the window (never the untrimmed length), with the captions moved to match.
    const quick = await playback();
    const quickSeconds = await playlistSeconds(quick.hls);
    expect(quickSeconds).toBeGreaterThanOrEqual(9.7);
    expect(quickSeconds).toBeLessThan(19);
    const quickTheorem = await cueStart(quick.captions, 'The first theorem');
    expect(quickTheorem).not.toBeNull();
    expect(quickTheorem!).toBeLessThanOrEqual(8 - 4);
    expect(await cueStart(quick.captions, 'After the break')).toBeNull();

    // Then precisely: 10 s everywhere, the timed text moved by 5 s.
    const done = await waitFor('the precise cut', async () => {
      const r = (await t.api<Rec>('GET', `/api/v1/recordings/${recordingId}`)).body;
      return r.trim?.state === 'done' && r;
    }, 90_000);
    expect(done.status).toBe('ready');
    expect(done.durationSeconds).toBeCloseTo(10, 0);
    const precise = await playback();
    expect(await playlistSeconds(precise.hls)).toBeCloseTo(10, 0);
    expect(await mediaDuration(precise.mp4)).toBeCloseTo(10, 0);
    expect(await cueStart(precise.captions, 'The first theorem')).toBeCloseTo(3, 1);
    expect(await cueStart(precise.captions, 'Before the class began')).toBeNull();
    expect(await cueStart(precise.chat, 'Why is it true?')).toBeCloseTo(2, 1);
    expect(await cueStart(precise.chat, 'Thanks!')).toBeNull();
    expect(precise.thumbnails).not.toBeNull();

    // Undo: the original, untouched, at once.
    const undone = await t.api<Rec>('DELETE', `/api/v1/recordings/${recordingId}/trim`);
    expect(undone.status).toBe(200);
    expect(undone.body.trim).toBeNull();
    expect(undone.body.durationSeconds).toBeCloseTo(20, 0);
    const original = await playback();
    expect(await playlistSeconds(original.hls)).toBeCloseTo(20, 0);
    expect(await mediaDuration(original.mp4)).toBeCloseTo(20, 0);
    expect(await cueStart(original.captions, 'The first theorem')).toBeCloseTo(8, 1);
    expect(await cueStart(original.chat, 'Thanks!')).toBeCloseTo(18, 1);
  }, 150_000);

  it('refuses a window outside the recording or too short, a student, an unknown recording, with clear errors', async () => {
    const past = await t.api<ErrorBody>('PUT', `/api/v1/recordings/${recordingId}/trim`, { body: { startSeconds: 5, endSeconds: 45 } });
    expect(past.status).toBe(422);
    expect(past.body.error.message).toMatch(/past the end/);
    const short = await t.api<ErrorBody>('PUT', `/api/v1/recordings/${recordingId}/trim`, { body: { startSeconds: 5, endSeconds: 5.5 } });
    expect(short.status).toBe(422);
    const negative = await t.api<ErrorBody>('PUT', `/api/v1/recordings/${recordingId}/trim`, { body: { startSeconds: -1, endSeconds: 5 } });
    expect(negative.status).toBe(400);
    const byStudent = await t.api<ErrorBody>('PUT', `/api/v1/recordings/${recordingId}/trim`, { token: student(), body: { startSeconds: 1, endSeconds: 5 } });
    expect(byStudent.status).toBe(403);
    const unknown = await t.api<ErrorBody>('PUT', '/api/v1/recordings/rec_unknown/trim', { body: { startSeconds: 1, endSeconds: 5 } });
    expect(unknown.status).toBe(404);
    const undoNothing = await t.api<Rec>('DELETE', `/api/v1/recordings/${recordingId}/trim`);
    expect(undoNothing.status).toBe(200);
    expect(undoNothing.body.trim).toBeNull();
    expect(await playlistSeconds((await playback()).hls)).toBeCloseTo(20, 0);
  });
});
