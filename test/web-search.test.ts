import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { makeTestVideo } from './support/media';
import { scheduleClass, uploadRecording, waitUntilProcessed } from './support/recordings';

interface Results {
  courses: { id: string }[];
  lessons: { id: string }[];
  recordings: { id: string; titleMatch: boolean; matches: { kind: string; at: number; text: string }[] }[];
}
type ErrorBody = { error: { code: string; message: string } };

describe('search across what the viewer may see', () => {
  let t: TestAula;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;
  const search = (q: string, token = school.batches[0]!.students[0]!.token) => t.api<Results & ErrorBody>('GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { token });

  beforeAll(async () => {
    [t, chrome] = await Promise.all([startAula(), launchChromium()]);
    school = await seedSchool(t, { batches: 2 });
    await t.api('PATCH', `/api/v1/lessons/${school.lessons[1]!.id}`, { body: { title: 'Cell biology', description: 'How chloroplasts work' } });
    const file = await makeTestVideo(path.join(t.dataDir, 'bio.mp4'), { seconds: 12 });
    const cls = await scheduleClass(t, { title: 'Biology live', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id });
    recordingId = await uploadRecording(t, cls, file);
    await waitUntilProcessed(t, [recordingId]);
    const vtt = 'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nGood morning everyone\n\n00:00:06.500 --> 00:00:09.000\nToday: <b>photosynthesis</b> &amp; light\n';
    expect((await t.api('PUT', `/api/v1/recordings/${recordingId}/captions`, { rawBody: vtt, headers: { 'content-type': 'text/vtt' } })).status).toBe(200);
    const chat = `${JSON.stringify({ t: 4, author: 'Ana', text: 'Is the quiz on Friday?' })}\n`;
    expect((await t.api('PUT', `/api/v1/recordings/${recordingId}/chat`, { rawBody: chat, headers: { 'content-type': 'application/x-ndjson' } })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    await t?.close();
  });

  it('finds a word said in the captions, with the time of its cue; chat lines, lesson descriptions and titles too', async () => {
    const said = await search('PHOTOSYNTHESIS');
    expect(said.status).toBe(200);
    expect(said.body.recordings).toEqual([expect.objectContaining({ id: recordingId, titleMatch: false, matches: [{ kind: 'caption', at: 6.5, text: 'Today: photosynthesis & light' }] })]);
    expect((await search('quiz')).body.recordings[0]!.matches).toEqual([{ kind: 'chat', at: 4, text: 'Ana: Is the quiz on Friday?' }]);
    expect((await search('chloroplast')).body.lessons.map((l) => l.id)).toEqual([school.lessons[1]!.id]);
    expect((await search('biology live')).body.recordings).toEqual([expect.objectContaining({ id: recordingId, titleMatch: true })]);
    // A pattern character is a character, not a wildcard.
    expect((await search('%_%')).body.recordings).toEqual([]);
  });

  it('captions replaced later are searched as they are now', async () => {
    const vtt = 'WEBVTT\n\n00:00:02.000 --> 00:00:04.000\nMitochondria are the powerhouse\n';
    expect((await t.api('PUT', `/api/v1/recordings/${recordingId}/captions`, { rawBody: vtt, headers: { 'content-type': 'text/vtt' } })).status).toBe(200);
    expect((await search('mitochondria')).body.recordings[0]!.matches[0]!.at).toBe(2);
    expect((await search('photosynthesis')).body.recordings).toEqual([]);
  });

  it('a student of another batch finds nothing of this batch; a query too short is a 400', async () => {
    const other = await search('mitochondria', school.batches[1]!.students[0]!.token);
    expect(other.status).toBe(200);
    expect(other.body.recordings).toEqual([]);
    const short = await search('a');
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBeTruthy();
    expect((await t.api('GET', '/api/v1/search?q=biology', { token: null })).status).toBe(401);
  });

  it('in the browser: search from the top bar, open the match, and the player starts at that cue', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${t.url}/?token=${encodeURIComponent(school.batches[0]!.students[0]!.token)}`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('powerhouse');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await page.waitForURL((u) => u.pathname === '/search');
    const match = page.locator('a.search-match');
    await match.waitFor();
    expect(await match.locator('mark').textContent()).toBe('powerhouse');
    expect(await match.locator('.match-time').textContent()).toBe('00:02');
    await match.click();
    await page.waitForURL((u) => u.pathname === `/lessons/${school.lessons[0]!.id}` && u.searchParams.get('recording') === recordingId);
    await page.waitForSelector('video#player');
    await page.waitForFunction(() => Math.abs((window.aulaPlayer?.video.currentTime ?? -10) - 2) < 0.6, undefined, { timeout: 15_000 });
    await context.close();
  });
});
