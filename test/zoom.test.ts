import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo } from './support/media';
import { redisUrl } from './support/services';
import { waitFor, waitForIdleJobs } from './support/wait';
import { type EmulatedFileInput, sendZoomWebhook, ZoomEmulator, zoomUuid } from './support/zoom-emulator';

type ErrorBody = { error: { code: string; message: string } };
interface LiveClass { id: string; status: string; providerMeetingId: string | null; providerData: Record<string, string> | null }
interface Recording {
  id: string; status: string; title: string; startedAt: string; source: string; externalRef: string | null; processingError: string | null;
  hasSourceChat: boolean; hasSourceCaptions: boolean; outputs: { chat: boolean; captions: boolean } | null;
  progress: { stage: string; percent: number } | null;
}

/** Ready with every rendition, image and the chat published, or failed, or deleted. */
const isSettled = (r: Recording) => (r.status === 'ready' && r.progress?.stage === 'done') || r.status === 'failed' || r.status === 'deleted';

const account = { accountId: 'zoom-acct-1', clientId: 'client-id-1', clientSecret: 'client-secret-1' };
const webhookSecret = 'webhook-secret-token-1';
/** Classes are scheduled in the future (a class may not start in the past); next year's March always is. */
const classYear = new Date().getUTCFullYear() + 1;


/**
 * Zoom's behaviour end to end on Aula's default database. The repositories it relies on hold the same contract on
 * PostgreSQL (test/repositories-contract.test.ts) and the queue on BullMQ (test/queue-contract.test.ts).
 */
const databases: { name: string; open(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> }[] = [
  { name: 'SQLite', open: async () => ({ env: {}, drop: async () => undefined }) },
];

describe.each(databases)('Zoom on $name: meetings, signed webhooks and cloud recording imports', (database) => {
  let t: TestAula;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let zoom: ZoomEmulator;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let accountId: string;
  let webhookUrl: string;
  let video: string;

  beforeAll(async () => {
    zoom = await new ZoomEmulator(account, { maxPageSize: 1 }).start();
    const db = await database.open();
    dropDatabase = db.drop;
    t = await startAula({ ...db.env, AULA_JOB_BACKOFF_MS: '50', AULA_JOB_CONCURRENCY: '2', ZOOM_API_BASE: zoom.apiBase, ZOOM_OAUTH_BASE: zoom.oauthBase });
    school = await seedSchool(t, { lessons: 1, batches: 1, studentsPerBatch: 1 });
    video = await makeTestVideo(path.join(t.dataDir, 'zoom-segment.mp4'), { seconds: 2 });
    const created = await t.api<{ id: string; webhookUrl: string }>('POST', '/api/v1/providers/zoom/accounts', {
      body: { name: 'School Zoom', ...account, webhookSecretToken: webhookSecret },
    });
    expect(created.status).toBe(201);
    accountId = created.body.id;
    webhookUrl = `${t.url}/webhooks/zoom/${accountId}`;
    expect(created.body.webhookUrl).toBe(webhookUrl);
  });
  afterAll(async () => {
    await t?.close();
    await zoom?.close();
    await dropDatabase();
  });

  const send = (event: Parameters<typeof sendZoomWebhook>[2], opts?: Parameters<typeof sendZoomWebhook>[3]) => sendZoomWebhook(webhookUrl, webhookSecret, event, opts);

  const zoomClass = async (title: string): Promise<LiveClass> => {
    const r = await t.api<LiveClass & ErrorBody>('POST', '/api/v1/live-classes', {
      body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'zoom', providerAccountId: accountId, startsAt: `${classYear}-03-01T10:00:00Z`, durationMinutes: 60 },
    });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    return r.body;
  };

  const recordingsOf = async (liveClassId: string) =>
    (await t.api<{ items: Recording[] }>('GET', `/api/v1/recordings?liveClassId=${liveClassId}`)).body.items;

  /** Waits until the class has `count` recordings, all settled (ready, failed or deleted). */
  const settled = (liveClassId: string, count: number) =>
    waitFor(`${count} settled recordings`, async () => {
      const items = await recordingsOf(liveClassId);
      return items.length === count && items.every(isSettled) && items;
    }, 40_000);

  const mp4 = (start: string, end: string, extra: Partial<EmulatedFileInput> = {}): EmulatedFileInput => ({ file_type: 'MP4', recording_start: start, recording_end: end, path: video, ...extra });
  const chat = (start: string, end: string, text: string): EmulatedFileInput => ({ file_type: 'CHAT', recording_start: start, recording_end: end, text });
  const transcriptFile = (start: string, end: string, line: string): EmulatedFileInput => ({
    file_type: 'TRANSCRIPT', recording_start: start, recording_end: end, text: `WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\n${line}\n`,
  });

  /** The captions a student's player is given for the recording, or null. */
  const captionsSeenByStudent = async (recordingId: string): Promise<string | null> => {
    const urls = await t.api<{ captions: string | null }>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: school.batches[0]!.students[0]!.token });
    expect(urls.status).toBe(200);
    return urls.body.captions ? (await fetch(urls.body.captions)).text() : null;
  };

  /** Waits until the recording is settled with its captions published to the player. */
  const settledWithCaptions = (recordingId: string) =>
    waitFor('the recording with captions', async () => {
      const r = (await t.api<Recording>('GET', `/api/v1/recordings/${recordingId}`)).body;
      return isSettled(r) && r.outputs?.captions === true && r;
    }, 40_000);

  it('answers Zoom\'s URL validation with the HMAC of the plain token, and only when signed', async () => {
    const event = { payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: Date.now(), event: 'endpoint.url_validation' };
    const ok = await send(event);
    expect(ok.status).toBe(200);
    expect(ok.body.plainToken).toBe('qgg8vlvZRS6UYooatFL8Aw');
    expect(ok.body.encryptedToken).toMatch(/^[0-9a-f]{64}$/);
    const { createHmac } = await import('node:crypto');
    expect(ok.body.encryptedToken).toBe(createHmac('sha256', webhookSecret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'));
    expect((await send(event, { signWith: 'not-the-secret' })).status).toBe(401);
    expect((await sendZoomWebhook(`${t.url}/webhooks/zoom/no-such-account`, webhookSecret, event)).status).toBe(404);
  });

  it('keeps Zoom secrets out of every answer, refuses credentials Zoom rejects, and lets only admins manage accounts', async () => {
    const list = await t.api<{ items: Record<string, unknown>[] }>('GET', '/api/v1/providers/zoom/accounts');
    expect(list.status).toBe(200);
    expect(list.body.items.map((a) => a.id)).toContain(accountId);
    expect(JSON.stringify(list.body)).not.toContain(account.clientSecret);
    expect(JSON.stringify(list.body)).not.toContain(webhookSecret);
    const bad = await t.api<ErrorBody>('POST', '/api/v1/providers/zoom/accounts', { body: { name: 'Wrong', ...account, clientSecret: 'wrong', webhookSecretToken: 'x' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/Zoom refused these credentials/);
    const asStudent = await t.api('GET', '/api/v1/providers/zoom/accounts', { token: school.batches[0]!.students[0]!.token });
    expect(asStudent.status).toBe(403);
    const asInstructor = await t.api('POST', `/api/v1/providers/zoom/${accountId}/sync`, { token: school.batches[0]!.instructor.token });
    expect(asInstructor.status).toBe(403);
  });

  it('creates the Zoom meeting of a Zoom class, keeps it in step, and shows the start link to staff only', async () => {
    const cls = await zoomClass('Algebra live');
    const meeting = zoom.meetings.get(Number(cls.providerMeetingId));
    expect(meeting).toBeDefined();
    expect(meeting).toMatchObject({ topic: 'Algebra live', type: 2, start_time: `${classYear}-03-01T10:00:00Z`, duration: 60, timezone: 'UTC', settings: { auto_recording: 'cloud' } });
    expect(cls.providerData).toEqual({ uuid: meeting!.uuid, join_url: meeting!.join_url, start_url: meeting!.start_url, start_url_issued_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });

    const asStudent = await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`, { token: school.batches[0]!.students[0]!.token });
    expect(asStudent.body.providerData).toEqual({ uuid: meeting!.uuid, join_url: meeting!.join_url });
    const listed = await t.api<{ items: LiveClass[] }>('GET', `/api/v1/live-classes?batchId=${school.batches[0]!.id}`, { token: school.batches[0]!.students[0]!.token });
    expect(JSON.stringify(listed.body)).not.toContain(meeting!.start_url);
    const asInstructor = await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`, { token: school.batches[0]!.instructor.token });
    expect(asInstructor.body.providerData?.start_url).toBe(meeting!.start_url);

    const patched = await t.api('PATCH', `/api/v1/live-classes/${cls.id}`, { body: { title: 'Algebra live (moved)', startsAt: `${classYear}-03-02T09:30:00Z` } });
    expect(patched.status).toBe(200);
    expect(meeting).toMatchObject({ topic: 'Algebra live (moved)', start_time: `${classYear}-03-02T09:30:00Z` });

    expect((await t.api('DELETE', `/api/v1/live-classes/${cls.id}`)).status).toBe(204);
    expect(meeting!.deleted).toBe(true);

    // One OAuth token serves every call until Zoom refuses it; then Aula asks for a new one once.
    const tokensBefore = zoom.tokenRequests;
    await zoomClass('Algebra again');
    expect(zoom.tokenRequests).toBe(tokensBefore);
    zoom.revokeAccessTokens();
    const again = await zoomClass('Algebra once more');
    expect(zoom.meetings.get(Number(again.providerMeetingId))?.topic).toBe('Algebra once more');
    expect(zoom.tokenRequests).toBe(tokensBefore + 1);
  });

  it('moves the class live and ended on meeting events, without starting an Aula recording of its own', async () => {
    const cls = await zoomClass('Geometry live');
    const started = await send(zoom.meetingEvent('meeting.started', cls.providerMeetingId!));
    expect(started.status).toBe(200);
    expect((await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`)).body.status).toBe('live');
    // Zoom repeats itself: the same kind of event again is acknowledged, not an error.
    expect((await send(zoom.meetingEvent('meeting.started', cls.providerMeetingId!))).status).toBe(200);
    expect(await recordingsOf(cls.id)).toEqual([]);
    expect((await send(zoom.meetingEvent('meeting.ended', cls.providerMeetingId!))).status).toBe(200);
    expect((await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`)).body.status).toBe('ended');
    expect(await recordingsOf(cls.id)).toEqual([]);
  });

  it('imports a two-segment cloud recording with its chat as two ready recordings, once, however often Zoom sends it', async () => {
    const cls = await zoomClass('Physics live');
    const rec = zoom.addRecording(cls.providerMeetingId!, {
      start_time: '2026-03-01T10:00:00Z',
      files: [
        mp4('2026-03-01T10:00:00Z', '2026-03-01T10:20:00Z', { recording_type: 'gallery_view' }),
        mp4('2026-03-01T10:00:00Z', '2026-03-01T10:20:00Z', { recording_type: 'shared_screen_with_speaker_view' }),
        { file_type: 'M4A', recording_start: '2026-03-01T10:00:00Z', recording_end: '2026-03-01T10:20:00Z', path: video },
        chat('2026-03-01T10:00:00Z', '2026-03-01T10:20:00Z', '00:00:01\t Ana Lima:\t Good morning!\r\n00:00:02\t From Ben to Everyone:\t Can you share the slides?\r\n'),
        { file_type: 'TRANSCRIPT', recording_start: '2026-03-01T10:00:00Z', recording_end: '2026-03-01T10:20:00Z', text: 'WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nAna Lima: Welcome to physics.\n' },
        { file_type: 'TIMELINE', recording_start: '2026-03-01T10:00:00Z', recording_end: '2026-03-01T10:20:00Z', text: '{}' },
        mp4('2026-03-01T10:30:00Z', '2026-03-01T10:45:00Z', { recording_type: 'active_speaker' }),
        chat('2026-03-01T10:30:00Z', '2026-03-01T10:45:00Z', '00:00:01\t Ben:\t Back again\n'),
      ],
    });
    const event = zoom.recordingCompletedEvent(rec.uuid);
    const first = await send(event);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, segments: 2 });
    // Zoom's retry of the same delivery (newly signed) is acknowledged and dropped.
    const again = await send(event);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true });

    const items = await settled(cls.id, 2);
    expect(items.map((r) => r.status)).toEqual(['ready', 'ready']);
    // A second, distinct delivery of the same files (Zoom resent it later) imports nothing new.
    expect((await send({ ...event, event_ts: event.event_ts + 1 })).body).toMatchObject({ segments: 2 });
    await waitForIdleJobs(t.url);
    expect(await recordingsOf(cls.id)).toHaveLength(2);

    const student = school.batches[0]!.students[0]!.token;
    const lesson = await t.api<{ items: (Recording & { hasChat: boolean })[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings?limit=200`, { token: student });
    const mine = lesson.body.items.filter((r) => items.some((i) => i.id === r.id));
    expect(mine.map((r) => [r.title, r.startedAt, r.status, r.source])).toEqual([
      ['Physics live (part 2 of 2)', '2026-03-01T10:30:00.000Z', 'ready', 'zoom'],
      ['Physics live (part 1 of 2)', '2026-03-01T10:00:00.000Z', 'ready', 'zoom'],
    ]);
    expect(mine.every((r) => r.hasChat)).toBe(true);

    const part1 = (await t.api<Recording>('GET', `/api/v1/recordings/${mine[1]!.id}`)).body;
    const shared = rec.files.find((f) => f.recording_type === 'shared_screen_with_speaker_view')!;
    expect(part1.externalRef).toBe(`zoom:${shared.id}`);
    expect(part1).toMatchObject({ hasSourceChat: true, hasSourceCaptions: true, outputs: { chat: true, captions: true } });
    // What the student's player gets: the chat as WebVTT cues by author, and Zoom's transcript as captions.
    const urls = await t.api<{ chat: string | null; captions: string | null }>('GET', `/api/v1/recordings/${part1.id}/playback`, { token: student });
    expect(urls.status).toBe(200);
    const chatVtt = await (await fetch(urls.body.chat!)).text();
    expect(chatVtt).toMatch(/^WEBVTT/);
    expect(chatVtt).toContain('00:00:01.000 --> ');
    expect(chatVtt).toContain('<v Ana Lima>Good morning!');
    expect(chatVtt).toContain('<v Ben>Can you share the slides?');
    expect(await (await fetch(urls.body.captions!)).text()).toContain('Ana Lima: Welcome to physics.');
    const part2 = (await t.api<Recording>('GET', `/api/v1/recordings/${mine[0]!.id}`)).body;
    expect(part2).toMatchObject({ hasSourceCaptions: false, outputs: { chat: true, captions: false } });
    // One view per segment: the gallery view and the audio-only file were never fetched.
    const gallery = rec.files.find((f) => f.recording_type === 'gallery_view')!;
    expect(zoom.downloads.get(gallery.id)).toBeUndefined();
    expect(zoom.downloads.get(shared.id)).toEqual({ ok: 1, failed: 0 });
  });

  it('refuses a forged signature and a stale timestamp with 401, and a malformed body with 400, creating nothing', async () => {
    const cls = await zoomClass('Chemistry live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-01T12:00:00Z', files: [mp4('2026-03-01T12:00:00Z', '2026-03-01T12:10:00Z')] });
    const forged = await send(zoom.recordingCompletedEvent(rec.uuid), { signWith: 'guessed-secret' });
    expect(forged.status).toBe(401);
    expect((forged.body as ErrorBody).error.code).toBe('unauthenticated');
    const stale = await send(zoom.recordingCompletedEvent(rec.uuid), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect((stale.body as ErrorBody).error.message).toMatch(/5 minutes/);
    const malformed = await send({}, { rawBody: '{"event":"recording.completed",' });
    expect(malformed.status).toBe(400);
    expect((malformed.body as ErrorBody).error.code).toBe('malformed_json');
    const tampered = JSON.stringify(zoom.recordingCompletedEvent(rec.uuid));
    const { signZoomBody } = await import('./support/zoom-emulator');
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': String(ts), 'x-zm-signature': signZoomBody(webhookSecret, ts, tampered) },
      body: tampered.replace('"recording.completed"', '"recording.completed" '),
    });
    expect(res.status).toBe(401);
    await waitForIdleJobs(t.url);
    expect(await recordingsOf(cls.id)).toEqual([]);
    expect(zoom.downloads.get(rec.files[0]!.id)).toBeUndefined();
  });

  it('retries a download that fails once with 500, then imports it', async () => {
    const cls = await zoomClass('Biology live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-01T13:00:00Z', files: [mp4('2026-03-01T13:00:00Z', '2026-03-01T13:10:00Z')] });
    zoom.failDownloads(rec.files[0]!.id, 1, 500);
    expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
    const [r] = await settled(cls.id, 1);
    expect(r!.status).toBe('ready');
    expect(zoom.downloads.get(rec.files[0]!.id)).toEqual({ ok: 1, failed: 1 });
  });

  it('never sends the download token to a host Zoom does not use, even when a signed event names one', async () => {
    const cls = await zoomClass('Geology live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-01T13:20:00Z', files: [mp4('2026-03-01T13:20:00Z', '2026-03-01T13:25:00Z')] });
    let foreignHits = 0;
    const foreign = http.createServer((_req, res) => {
      foreignHits++;
      res.end('x');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const event = zoom.recordingCompletedEvent(rec.uuid);
      const elsewhere = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/rec/download/file.mp4`;
      for (const f of (event.payload.object as { recording_files: { download_url: string }[] }).recording_files) f.download_url = elsewhere;
      expect((await send(event)).status).toBe(200);
      const [r] = await settled(cls.id, 1);
      expect(r!.status).toBe('failed');
      expect(r!.processingError).toMatch(/is not a Zoom host/);
      expect(foreignHits).toBe(0);
    } finally {
      foreign.close();
    }
  });

  it('retries a download cut off half-way, leaving no partial file behind', async () => {
    const cls = await zoomClass('Latin live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-01T13:30:00Z', files: [mp4('2026-03-01T13:30:00Z', '2026-03-01T13:40:00Z')] });
    zoom.failDownloads(rec.files[0]!.id, 1, 'cut');
    expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
    const [r] = await settled(cls.id, 1);
    expect(r!.status).toBe('ready');
    expect(zoom.downloads.get(rec.files[0]!.id)).toEqual({ ok: 1, failed: 1 });
    expect(await readdir(path.join(t.dataDir, 'tmp', 'zoom')).catch(() => [])).toEqual([]);
  });

  it('fetches a fresh download token from Zoom\'s API when the webhook\'s has expired (double-encoding the UUID)', async () => {
    const cls = await zoomClass('History live');
    const uuid = `/${zoomUuid().slice(1, 10)}//${zoomUuid().slice(0, 10)}==`;
    const rec = zoom.addRecording(cls.providerMeetingId!, { uuid, start_time: '2026-03-01T14:00:00Z', files: [mp4('2026-03-01T14:00:00Z', '2026-03-01T14:10:00Z')] });
    const event = zoom.recordingCompletedEvent(rec.uuid);
    zoom.expireDownloadToken(event.download_token!);
    expect((await send(event)).status).toBe(200);
    const [r] = await settled(cls.id, 1);
    expect(r!.status).toBe('ready');
    expect(zoom.downloads.get(rec.files[0]!.id)).toEqual({ ok: 1, failed: 1 });
    const doubled = `/v2/meetings/${encodeURIComponent(encodeURIComponent(uuid))}/recordings`;
    const refetch = zoom.requests.find((q) => q.method === 'GET' && q.path === doubled);
    expect(refetch).toBeDefined();
    expect(refetch?.query).toBe('include_fields=download_access_token');
  });

  it('marks a recording whose file Zoom no longer has as failed with the reason, keeps its chat, and a later sync heals it', async () => {
    const cls = await zoomClass('Art live');
    const rec = zoom.addRecording(cls.providerMeetingId!, {
      start_time: '2026-02-20T09:00:00Z',
      files: [
        mp4('2026-02-20T09:00:00Z', '2026-02-20T09:10:00Z'),
        mp4('2026-02-20T09:20:00Z', '2026-02-20T09:30:00Z', { missing: true }),
        chat('2026-02-20T09:20:00Z', '2026-02-20T09:30:00Z', '00:00:03\t Ana Lima:\t Where did the video go?\n'),
      ],
    });
    expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
    const items = await settled(cls.id, 2);
    const failed = items.find((r) => r.status === 'failed')!;
    const ready = items.find((r) => r.status === 'ready')!;
    expect(ready.title).toBe('Art live (part 1 of 2)');
    expect(failed.title).toBe('Art live (part 2 of 2)');
    expect(failed.processingError).toMatch(/Zoom answered HTTP 404 for the MP4 of part 2 of 2, started 2026-02-20 09:20 UTC/);
    expect(failed.processingError).toMatch(/run a Zoom sync/);
    expect(failed.hasSourceChat).toBe(true);
    expect(await readdir(path.join(t.dataDir, 'tmp', 'zoom')).catch(() => [])).toEqual([]);

    // The file is back in Zoom: a sync of that day imports it into the same recording.
    rec.files[1]!.missing = false;
    const sync = await t.api<{ enqueued: number }>('POST', `/api/v1/providers/zoom/${accountId}/sync?from=2026-02-20&to=2026-02-20`);
    expect(sync.status).toBe(200);
    expect(sync.body.enqueued).toBe(1);
    const healed = await waitFor('the healed recording', async () => {
      const r = (await t.api<Recording>('GET', `/api/v1/recordings/${failed.id}`)).body;
      return r.status === 'ready' && isSettled(r) && r;
    }, 40_000);
    expect(healed.processingError).toBeNull();
    expect(healed.outputs?.chat).toBe(true);
    expect(await recordingsOf(cls.id)).toHaveLength(2);
  });

  it('imports by sync a recording whose webhook never came, across pages, and a second sync adds nothing', async () => {
    const cls = await zoomClass('Music live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-02-10T08:00:00Z', files: [mp4('2026-02-10T08:00:00Z', '2026-02-10T08:10:00Z')] });
    // A meeting of the same Zoom account that Aula did not create is left alone.
    zoom.addRecording(99_999_999_999, { start_time: '2026-02-10T11:00:00Z', topic: 'Staff meeting', files: [mp4('2026-02-10T11:00:00Z', '2026-02-10T11:10:00Z')] });
    const first = await t.api<Record<string, number | string>>('POST', `/api/v1/providers/zoom/${accountId}/sync?from=2026-02-09&to=2026-02-11`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ from: '2026-02-09', to: '2026-02-11', meetings: 2, unknownMeetings: 1, segments: 1, enqueued: 1, alreadyImported: 0 });
    const [r] = await settled(cls.id, 1);
    expect(r!.status).toBe('ready');
    expect(r!.externalRef).toBe(`zoom:${rec.files[0]!.id}`);
    const second = await t.api<Record<string, number>>('POST', `/api/v1/providers/zoom/${accountId}/sync?from=2026-02-09T00:00:00Z&to=2026-02-11T23:00:00Z`);
    expect(second.body).toMatchObject({ meetings: 2, enqueued: 0, alreadyImported: 1 });
    // Paging: the emulator returns one meeting per page.
    expect(zoom.requests.filter((q) => q.path === '/v2/users/me/recordings' && q.query.includes('next_page_token=')).length).toBeGreaterThanOrEqual(2);
    await waitForIdleJobs(t.url);
    expect(await recordingsOf(cls.id)).toHaveLength(1);
  });

  it('soft-deletes the recording when it is trashed in Zoom, and restores it when recovered', async () => {
    const cls = await zoomClass('Dance live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-01T15:00:00Z', files: [mp4('2026-03-01T15:00:00Z', '2026-03-01T15:10:00Z')] });
    await send(zoom.recordingCompletedEvent(rec.uuid));
    const [r] = await settled(cls.id, 1);
    const student = school.batches[0]!.students[0]!.token;
    const visible = async () => (await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings?limit=200`, { token: student })).body.items.some((i) => i.id === r!.id);
    expect(await visible()).toBe(true);

    expect((await send(zoom.recordingEvent('recording.trashed', rec.uuid))).body).toMatchObject({ deleted: 1 });
    expect((await t.api<Recording>('GET', `/api/v1/recordings/${r!.id}`)).body.status).toBe('deleted');
    expect(await visible()).toBe(false);
    const events = await t.api<{ items: { to: string; actor: string; reason: string }[] }>('GET', `/api/v1/recordings/${r!.id}/events`);
    expect(events.body.items.at(-1)).toMatchObject({ to: 'deleted', actor: 'provider:zoom', reason: 'moved to the trash in Zoom' });

    expect((await send(zoom.recordingEvent('recording.recovered', rec.uuid))).body).toMatchObject({ restored: 1 });
    expect((await t.api<Recording>('GET', `/api/v1/recordings/${r!.id}`)).body.status).toBe('ready');
    expect(await visible()).toBe(true);
  });

  it('attaches the transcript Zoom finishes after the recording as its captions, once, however often Zoom sends it', async () => {
    const cls = await zoomClass('Economics live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-02T09:00:00Z', files: [mp4('2026-03-02T09:00:00Z', '2026-03-02T09:20:00Z')] });
    expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
    const [imported] = await settled(cls.id, 1);
    expect(imported!.status).toBe('ready');
    expect(imported!.hasSourceCaptions).toBe(false);
    expect(await captionsSeenByStudent(imported!.id)).toBeNull();

    const [transcript] = zoom.addFiles(rec.uuid, [transcriptFile('2026-03-02T09:00:00Z', '2026-03-02T09:20:00Z', 'Ana Lima: Supply meets demand.')]);
    const event = zoom.transcriptCompletedEvent(rec.uuid);
    const first = await send(event);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, event: 'recording.transcript_completed', transcripts: 1 });
    const withCaptions = await settledWithCaptions(imported!.id);
    expect(withCaptions.status).toBe('ready');
    expect(withCaptions).toMatchObject({ hasSourceCaptions: true, outputs: { captions: true } });
    expect(await captionsSeenByStudent(imported!.id)).toContain('Ana Lima: Supply meets demand.');

    // Zoom's retry of the delivery is dropped; a later, distinct delivery of the same transcript changes nothing.
    expect((await send(event)).body).toMatchObject({ duplicate: true });
    expect((await send({ ...event, event_ts: event.event_ts + 1 })).body).toMatchObject({ transcripts: 1 });
    await waitForIdleJobs(t.url);
    expect(zoom.downloads.get(transcript!.id)).toEqual({ ok: 1, failed: 0 });
    expect(zoom.downloads.get(rec.files[0]!.id)).toEqual({ ok: 1, failed: 0 });
    expect(await recordingsOf(cls.id)).toHaveLength(1);
    expect(await readdir(path.join(t.dataDir, 'tmp', 'zoom')).catch(() => [])).toEqual([]);
  });

  it('gives captions to a recording whose transcript was announced while its import ran, or before its recording.completed', async () => {
    // The transcript is announced while the import is downloading the video it belongs to.
    const cls = await zoomClass('Philosophy live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-02T11:00:00Z', files: [mp4('2026-03-02T11:00:00Z', '2026-03-02T11:15:00Z')] });
    const download = zoom.holdDownload(rec.files[0]!.id);
    try {
      expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
      await download.arrived;
      zoom.addFiles(rec.uuid, [transcriptFile('2026-03-02T11:00:00Z', '2026-03-02T11:15:00Z', 'Ben: What is a good argument?')]);
      expect((await send(zoom.transcriptCompletedEvent(rec.uuid))).body).toMatchObject({ transcripts: 1 });
      await new Promise((r) => setTimeout(r, 400));
    } finally {
      download.release();
    }
    const [imported] = await settled(cls.id, 1);
    const withCaptions = await settledWithCaptions(imported!.id);
    expect(withCaptions.status).toBe('ready');
    expect(await captionsSeenByStudent(imported!.id)).toContain('Ben: What is a good argument?');

    // The transcript's event arrives before the recording's: the import it starts takes the transcript along.
    const early = await zoomClass('Rhetoric live');
    const earlyRec = zoom.addRecording(early.providerMeetingId!, {
      start_time: '2026-03-02T13:00:00Z',
      files: [mp4('2026-03-02T13:00:00Z', '2026-03-02T13:15:00Z'), transcriptFile('2026-03-02T13:00:00Z', '2026-03-02T13:15:00Z', 'Ana Lima: Ethos, pathos, logos.')],
    });
    expect((await send(zoom.transcriptCompletedEvent(earlyRec.uuid))).body).toMatchObject({ transcripts: 1 });
    const [earlyImport] = await settled(early.id, 1);
    expect((await settledWithCaptions(earlyImport!.id)).status).toBe('ready');
    expect(await captionsSeenByStudent(earlyImport!.id)).toContain('Ana Lima: Ethos, pathos, logos.');
    // Its recording.completed, late, imports nothing more.
    expect((await send(zoom.recordingCompletedEvent(earlyRec.uuid))).body).toMatchObject({ segments: 1 });
    await waitForIdleJobs(t.url);
    expect(await recordingsOf(early.id)).toHaveLength(1);
    expect(zoom.downloads.get(earlyRec.files[0]!.id)).toEqual({ ok: 1, failed: 0 });
  });

  it('lets a trash event that arrives while the import runs win: the recording ends deleted with nothing half-imported, and comes back when recovered', async () => {
    const cls = await zoomClass('Statistics live');
    const rec = zoom.addRecording(cls.providerMeetingId!, { start_time: '2026-03-03T08:00:00Z', files: [mp4('2026-03-03T08:00:00Z', '2026-03-03T08:10:00Z')] });
    const fileId = rec.files[0]!.id;
    const download = zoom.holdDownload(fileId);
    try {
      expect((await send(zoom.recordingCompletedEvent(rec.uuid))).status).toBe(200);
      await download.arrived;
      const trashed = await send(zoom.recordingEvent('recording.trashed', rec.uuid));
      expect(trashed.status).toBe(200);
      expect(trashed.body).toMatchObject({ deleted: 1 });
    } finally {
      download.release();
    }
    // The import gets its file, then stops: the deletion stands.
    await waitFor('the held download to finish', async () => zoom.downloads.get(fileId)?.ok === 1, 40_000);
    await waitForIdleJobs(t.url);
    const items = await recordingsOf(cls.id);
    expect(items).toHaveLength(1);
    const deleted = items[0]!;
    expect(deleted).toMatchObject({ status: 'deleted', externalRef: `zoom:${fileId}`, outputs: null });
    const events = await t.api<{ items: { to: string; actor: string; reason: string }[] }>('GET', `/api/v1/recordings/${deleted.id}/events`);
    expect(events.body.items.at(-1)).toMatchObject({ to: 'deleted', actor: 'provider:zoom', reason: 'moved to the trash in Zoom' });
    const student = school.batches[0]!.students[0]!.token;
    const lesson = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings?limit=200`, { token: student });
    expect(lesson.body.items.some((r) => r.id === deleted.id)).toBe(false);
    expect((await t.api('GET', `/api/v1/recordings/${deleted.id}`, { token: student })).status).toBe(404);
    expect(await readdir(path.join(t.dataDir, 'media', 'recordings', deleted.id)).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(t.dataDir, 'tmp', 'zoom')).catch(() => [])).toEqual([]);

    // Recovered in Zoom: the same recording is restored and imported after all.
    const recovered = await send(zoom.recordingEvent('recording.recovered', rec.uuid));
    expect(recovered.body).toMatchObject({ restored: 1, reimporting: 1 });
    const back = await waitFor('the recovered recording', async () => {
      const r = (await t.api<Recording>('GET', `/api/v1/recordings/${deleted.id}`)).body;
      return r.status === 'ready' && isSettled(r) && r;
    }, 40_000);
    expect(back.processingError).toBeNull();
    const again = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings?limit=200`, { token: student });
    expect(again.body.items.some((r) => r.id === deleted.id)).toBe(true);
    expect(await recordingsOf(cls.id)).toHaveLength(1);
  });

  it('waits as long as Zoom\'s Retry-After says (seconds, or a daily limit\'s reset time) before retrying a rate-limited import', async () => {
    const cls = await zoomClass('Geography live');
    const uuid = `RateLimited${Date.now()}==`;
    const rec = zoom.addRecording(cls.providerMeetingId!, { uuid, start_time: '2026-03-03T10:00:00Z', files: [mp4('2026-03-03T10:00:00Z', '2026-03-03T10:10:00Z')] });
    const event = zoom.recordingCompletedEvent(rec.uuid);
    // The webhook's token has lapsed, so the retry lists the files through the API, which is over its limits.
    zoom.expireDownloadToken(event.download_token!);
    const listing = `/meetings/${encodeURIComponent(uuid)}/recordings`;
    const resumesAt = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
    zoom.rateLimit(listing, { type: 'per-second', retryAfterSeconds: 2 }, { type: 'daily', resumesAt });
    expect((await send(event)).status).toBe(200);
    const [r] = await settled(cls.id, 1);
    expect(r!.status).toBe('ready');
    const listings = zoom.requests.filter((q) => q.method === 'GET' && q.path === `/v2${listing}`);
    expect(listings.map((q) => q.status)).toEqual([429, 429, 200]);
    expect(listings[1]!.at - listings[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(listings[2]!.at).toBeGreaterThanOrEqual(resumesAt.getTime());
  });
});

/** Zoom's start link lapses about two hours after Zoom issues it; Aula's clock is moved forward to get there. */
describe('Zoom start link', () => {
  let t: TestAula;
  let zoom: ZoomEmulator;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let accountId: string;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    zoom = await new ZoomEmulator(account).start();
    t = await startAula({ ZOOM_API_BASE: zoom.apiBase, ZOOM_OAUTH_BASE: zoom.oauthBase }, undefined, { now: () => new Date(Date.now() + clockOffsetMs) });
    school = await seedSchool(t, { lessons: 1, batches: 1, studentsPerBatch: 1 });
    const created = await t.api<{ id: string }>('POST', '/api/v1/providers/zoom/accounts', { body: { name: 'School Zoom', ...account, webhookSecretToken: webhookSecret } });
    expect(created.status).toBe(201);
    accountId = created.body.id;
  });
  afterAll(async () => {
    await t?.close();
    await zoom?.close();
  });

  it('gives the instructor a newly issued start_url once the stored one is 90 minutes old, and students never any', async () => {
    const created = await t.api<LiveClass>('POST', '/api/v1/live-classes', {
      body: { title: 'Astronomy live', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'zoom', providerAccountId: accountId, startsAt: `${classYear}-03-05T18:00:00Z`, durationMinutes: 60 },
    });
    expect(created.status).toBe(201);
    const cls = created.body;
    const firstLink = cls.providerData!.start_url!;
    const meetingPath = `/v2/meetings/${cls.providerMeetingId}`;
    const meetingReads = () => zoom.requests.filter((q) => q.method === 'GET' && q.path === meetingPath).length;
    const instructor = school.batches[0]!.instructor.token;
    const student = school.batches[0]!.students[0]!.token;
    const asInstructor = async () => (await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`, { token: instructor })).body;

    // An hour on, the link Zoom gave at creation still works: it is shown without asking Zoom.
    clockOffsetMs = 60 * 60_000;
    expect((await asInstructor()).providerData?.start_url).toBe(firstLink);
    expect(meetingReads()).toBe(0);

    // 91 minutes on, Zoom is asked for the meeting and the start_url it issues now is shown, and kept.
    clockOffsetMs = 91 * 60_000;
    const renewed = (await asInstructor()).providerData?.start_url;
    expect(meetingReads()).toBe(1);
    expect(renewed).not.toBe(firstLink);
    expect(renewed).toBe(zoom.meetings.get(Number(cls.providerMeetingId))!.start_url);
    expect((await asInstructor()).providerData?.start_url).toBe(renewed);
    expect(meetingReads()).toBe(1);

    // However old the link, a student gets the join link only, and Zoom is not asked.
    clockOffsetMs = 4 * 3_600_000;
    const asStudent = await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`, { token: student });
    expect(asStudent.status).toBe(200);
    expect(asStudent.body.providerData).toEqual({ uuid: cls.providerData!.uuid, join_url: cls.providerData!.join_url });
    const listed = await t.api<{ items: LiveClass[] }>('GET', `/api/v1/live-classes?batchId=${school.batches[0]!.id}`, { token: student });
    expect(JSON.stringify(listed.body)).not.toContain('zak=');
    expect(meetingReads()).toBe(1);
    clockOffsetMs = 0;
  });
});

/** The same Retry-After rule when jobs run on BullMQ (Redis), in a Redis database of its own. */
describe.skipIf(!redisUrl)('Zoom on BullMQ: a rate-limited import', () => {
  let t: TestAula;
  let zoom: ZoomEmulator;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let accountId: string;

  beforeAll(async () => {
    zoom = await new ZoomEmulator(account).start();
    const queueRedis = new URL(redisUrl!);
    queueRedis.pathname = '/5';
    const redis = new Redis(queueRedis.toString());
    await redis.flushdb();
    redis.disconnect();
    t = await startAula({ REDIS_URL: queueRedis.toString(), AULA_JOB_BACKOFF_MS: '50', ZOOM_API_BASE: zoom.apiBase, ZOOM_OAUTH_BASE: zoom.oauthBase });
    school = await seedSchool(t, { lessons: 1, batches: 1, studentsPerBatch: 1 });
    const created = await t.api<{ id: string }>('POST', '/api/v1/providers/zoom/accounts', { body: { name: 'School Zoom', ...account, webhookSecretToken: webhookSecret } });
    accountId = created.body.id;
  });
  afterAll(async () => {
    await t?.close();
    await zoom?.close();
  });

  it('waits as long as Zoom\'s Retry-After says before the retry', async () => {
    const created = await t.api<LiveClass>('POST', '/api/v1/live-classes', {
      body: { title: 'Queue live', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'zoom', providerAccountId: accountId, startsAt: `${classYear}-03-06T10:00:00Z`, durationMinutes: 60 },
    });
    const uuid = `BullRateLimited${Date.now()}==`;
    const video = await makeTestVideo(path.join(t.dataDir, 'bull-segment.mp4'), { seconds: 1 });
    const rec = zoom.addRecording(created.body.providerMeetingId!, {
      uuid, start_time: '2026-03-06T10:00:00Z', files: [{ file_type: 'MP4', recording_start: '2026-03-06T10:00:00Z', recording_end: '2026-03-06T10:05:00Z', path: video }],
    });
    const event = zoom.recordingCompletedEvent(rec.uuid);
    zoom.expireDownloadToken(event.download_token!);
    const listing = `/meetings/${encodeURIComponent(uuid)}/recordings`;
    zoom.rateLimit(listing, { type: 'per-second', retryAfterSeconds: 2 });
    expect((await sendZoomWebhook(`${t.url}/webhooks/zoom/${accountId}`, webhookSecret, event)).status).toBe(200);
    const listings = await waitFor('the retried listing', async () => {
      const found = zoom.requests.filter((q) => q.method === 'GET' && q.path === `/v2${listing}` && q.status !== 0);
      return found.length >= 2 && found;
    }, 40_000);
    expect(listings.map((q) => q.status)).toEqual([429, 200]);
    expect(listings[1]!.at - listings[0]!.at).toBeGreaterThanOrEqual(2_000);
    await waitFor('the imported recording', async () => {
      const items = (await t.api<{ items: Recording[] }>('GET', `/api/v1/recordings?liveClassId=${created.body.id}`)).body.items;
      return items.length === 1 && items[0]!.status === 'ready';
    }, 40_000);
  });
});
