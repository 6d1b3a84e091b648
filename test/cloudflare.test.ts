import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { CloudflareEmulator } from './support/emulators/cloudflare-emulator';
import { waitFor } from './support/wait';

type ErrorBody = { error: { code: string; message: string } };
interface LiveClass { id: string; status: string; providerMeetingId: string | null; providerData: Record<string, unknown> | null }
interface Recording { id: string; status: string; processingError: string | null; externalRef: string | null; outputs: { renditions: { name: string }[] } | null; liveClassId: string }

const secrets = { apiToken: 'cf-api-token-0123456789abcdefghij', streamWebhookSecret: 'stream-webhook-secret-0123', notificationSecret: 'notification-secret-0123' };
const emulatorFor = (accountId: string) => new CloudflareEmulator({ accountId, appId: 'app-aula-0001', ...secrets, mediaSeconds: 6 });
const envFor = (cf: CloudflareEmulator) => ({ CLOUDFLARE_API_BASE: cf.apiBase, CLOUDFLARE_REALTIMEKIT_KEYS_URL: cf.keysUrl, AULA_CLOUDFLARE_POLL_SECONDS: '1', AULA_JOB_BACKOFF_MS: '100' });

async function setUp(storage: 'import' | 'keep', dataDir?: string) {
  const accountId = storage === 'import' ? 'a1b2c3d4e5f60718293a4b5c6d7e8f90' : 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
  const cf = await emulatorFor(accountId).start();
  const t = await startAula(envFor(cf), dataDir);
  const school = await seedSchool(t, { lessons: 1, batches: 2, studentsPerBatch: 1 });
  const created = await t.api<{ id: string; webhookUrl: string; realtimeKit: { webhookPublicKeySource: string } }>('POST', '/api/v1/providers/cloudflare/accounts', {
    body: { name: 'School Cloudflare', accountId, ...secrets, realtimeKit: { appId: 'app-aula-0001' }, storage, deleteRecordingAfterDays: 60 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  cf.webhookUrl = created.body.webhookUrl;
  return { cf, t, school, account: created.body };
}

type Setup = Awaited<ReturnType<typeof setUp>>;

function helpers(s: () => Setup) {
  const cloudflareClass = async (title: string, mode: 'stream' | 'realtimekit', extra: Record<string, unknown> = {}) => {
    const { t, school, account } = s();
    const r = await t.api<LiveClass>('POST', '/api/v1/live-classes', {
      body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'cloudflare', providerAccountId: account.id, providerOptions: { mode }, startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 60, ...extra },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const recordingsOf = async (liveClassId: string) => (await s().t.api<{ items: Recording[] }>('GET', `/api/v1/recordings?liveClassId=${liveClassId}`)).body.items;
  const recordingOf = (liveClassId: string, pred: (r: Recording) => boolean, timeoutMs = 30_000) => waitFor(`a recording of ${liveClassId}`, async () => (await recordingsOf(liveClassId)).find(pred), timeoutMs, 50);
  const classOf = async (id: string, token?: string) => (await s().t.api<LiveClass>('GET', `/api/v1/live-classes/${id}`, token ? { token } : {})).body;
  /** A student opens the lesson page in Chromium, clicks the recording and it plays. */
  const playsOnLessonPage = async (recordingId: string) => {
    const { t, school } = s();
    const chrome = await launchChromium();
    try {
      const page = await chrome.browser.newPage();
      await page.goto(`${t.url}/lessons/${school.lessons[0]!.id}?token=${encodeURIComponent(school.batches[0]!.students[0]!.token)}`);
      const card = page.locator(`a.recording-card[data-recording-id="${recordingId}"]`);
      await card.waitFor({ timeout: 15_000 });
      await card.click();
      await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 1, undefined, { timeout: 20_000 });
    } finally {
      await chrome.close();
    }
  };
  return { cloudflareClass, recordingsOf, recordingOf, classOf, playsOnLessonPage };
}

describe('Cloudflare classes, import storage: Stream live inputs and RealtimeKit meetings', () => {
  let s: Setup;
  const h = helpers(() => s);

  beforeAll(async () => {
    s = await setUp('import');
  }, 60_000);
  afterAll(async () => {
    await s?.t.close();
    await s?.cf.close();
  });

  it('adds an account only with a token Cloudflare accepts, fetches RealtimeKit\'s published key, and never shows a secret', async () => {
    const { t, cf, school, account } = s;
    expect(account.realtimeKit.webhookPublicKeySource).toBe('published');
    expect(cf.requests.some((r) => r.path === '/.well-known/webhooks.json')).toBe(true);
    const wrong = await t.api<ErrorBody>('POST', '/api/v1/providers/cloudflare/accounts', { body: { name: 'Wrong', accountId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', ...secrets, apiToken: 'not-the-token-0123456789abc' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toMatch(/Cloudflare refused this API token/);
    const bad = await t.api<ErrorBody>('POST', '/api/v1/providers/cloudflare/accounts', { body: { name: 'Bad', accountId: 'nope', ...secrets, deleteRecordingAfterDays: 5 } });
    expect(bad.status).toBe(400);
    const list = await t.api<{ items: unknown[] }>('GET', '/api/v1/providers/cloudflare/accounts');
    for (const secret of Object.values(secrets)) expect(JSON.stringify(list.body)).not.toContain(secret);
    expect((await t.api('GET', '/api/v1/providers/cloudflare/accounts', { token: school.batches[0]!.instructor.token })).status).toBe(403);
    const unknownOption = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { title: 'x', batchId: school.batches[0]!.id, provider: 'cloudflare', providerAccountId: account.id, providerOptions: { mode: 'webrtc' }, startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect(unknownOption.status).toBe(422);
    expect(unknownOption.body.error.message).toMatch(/providerOptions/);
    const nativeOptions = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { title: 'x', batchId: school.batches[0]!.id, provider: 'native', providerOptions: { mode: 'stream' }, startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect(nativeOptions.status).toBe(422);
  });

  it('a live input class: recording automatic, ingest details for staff only, key rotation, connect → live, disconnect → ended, and the recording plays on the lesson page', async () => {
    const { t, cf, school } = s;
    const cls = await h.cloudflareClass('Physics broadcast', 'stream');
    const input = cf.liveInputs.get(cls.providerMeetingId!)!;
    const firstKey = input.streamKey;
    expect(input).toMatchObject({ deleteRecordingAfterDays: 60, timeoutSeconds: 0, requireSignedURLs: false });
    const student = school.batches[0]!.students[0]!;
    const instructor = school.batches[0]!.instructor;
    expect((await h.classOf(cls.id, instructor.token)).providerData).toMatchObject({ rtmpsUrl: 'rtmps://live.cloudflare.com:443/live/', streamKey: input.streamKey });
    const seen = await h.classOf(cls.id, student.token);
    expect(JSON.stringify(seen)).not.toContain(input.streamKey);
    expect(seen.providerData).not.toHaveProperty('rtmpsUrl');
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/stream-key/rotate`, { token: student.token })).status).toBe(403);
    const rotated = await t.api<LiveClass>('POST', `/api/v1/live-classes/${cls.id}/stream-key/rotate`, { token: instructor.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.providerData?.streamKey).toBe(cf.liveInputs.get(input.uid)!.streamKey);
    expect(rotated.body.providerData?.streamKey).not.toBe(firstKey);

    await cf.connect(input.uid);
    expect((await h.classOf(cls.id)).status).toBe('live');
    await cf.errored(input.uid, 'ERR_GOP_OUT_OF_RANGE', 'keyframe interval over 10 s');
    expect((await h.classOf(cls.id, instructor.token)).providerData?.lastError).toMatchObject({ code: 'ERR_GOP_OUT_OF_RANGE', message: 'keyframe interval over 10 s' });
    expect((await h.classOf(cls.id, student.token)).providerData).not.toHaveProperty('lastError');
    const videoUid = await cf.disconnect(input.uid);
    expect((await h.classOf(cls.id)).status).toBe('ended');
    const ready = await waitFor('the ready webhook', () => cf.webhooks.find((w) => w.kind === 'stream' && w.about === `video ${videoUid} ready` && w.status === 200));
    const readyAt = Date.now();
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'ready');
    console.log(`Cloudflare import: ready webhook → playable in ${((Date.now() - readyAt) / 1000).toFixed(2)} s (6 s video)`);
    expect(ready.headers['webhook-signature']).toMatch(/^time=\d+,sig1=[0-9a-f]{64}$/);
    expect(rec.externalRef).toBe(`cloudflare:${videoUid}`);
    await h.playsOnLessonPage(rec.id);
    await cf.idle();
    expect(await h.recordingsOf(cls.id)).toHaveLength(1);
    console.log(`Cloudflare emulator request log for one live input class:\n${cf.requests.filter((r) => r.at >= (cf.requests.find((x) => x.path.endsWith('/live_inputs') && x.method === 'POST' && x.status === 201)?.at ?? 0)).map((r) => `  ${r.method} ${r.path} → ${r.status}`).join('\n')}`);
  }, 120_000);

  it('refuses forged, stale and unsigned webhooks of all three kinds with 401, and handles a replayed one once', async () => {
    const { cf } = s;
    const video = JSON.stringify({ uid: 'ab'.repeat(16), readyToStream: true, status: { state: 'ready' }, liveInput: 'cd'.repeat(16) });
    const streamSig = (secret: string, body: string, time = Math.floor(Date.now() / 1000)) => `time=${time},sig1=${createHmac('sha256', secret).update(`${time}.${body}`).digest('hex')}`;
    expect((await cf.post({ 'webhook-signature': streamSig('wrong-secret-000', video) }, video)).status).toBe(401);
    expect((await cf.post({ 'webhook-signature': streamSig(secrets.streamWebhookSecret, video, Math.floor(Date.now() / 1000) - 600) }, video)).status).toBe(401);
    expect((await cf.post({ 'webhook-signature': streamSig(secrets.streamWebhookSecret, video) }, video.replace('ready"}', 'error"}'))).status).toBe(401);
    expect((await cf.post({}, video)).status).toBe(401);
    const first = await cf.post({ 'webhook-signature': streamSig(secrets.streamWebhookSecret, video) }, video);
    expect(first.status).toBe(200);
    const again = await cf.post({ 'webhook-signature': streamSig(secrets.streamWebhookSecret, video) }, video);
    expect(await again.json()).toMatchObject({ duplicate: true });

    const note = JSON.stringify({ data: { input_id: 'cd'.repeat(16), event_type: 'live_input.connected', updated_at: new Date().toISOString() } });
    expect((await cf.post({ 'cf-webhook-auth': 'not-the-secret' }, note)).status).toBe(401);
    expect((await cf.post({ 'cf-webhook-auth': secrets.notificationSecret }, note)).status).toBe(200);

    const rtk = JSON.stringify({ event: 'recording.statusUpdate', recording: { id: randomUUID(), status: 'RECORDING', meetingId: randomUUID(), fileSize: '0' } });
    const { sign, generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const uuid = randomUUID();
    expect((await cf.post({ 'rtk-signature': sign('RSA-SHA256', Buffer.from(rtk), other.privateKey).toString('base64'), 'rtk-uuid': uuid }, rtk)).status).toBe(401);
    const good = sign('RSA-SHA256', Buffer.from(rtk), cf.rtkKeys.privateKey).toString('base64');
    expect((await cf.post({ 'rtk-signature': good, 'rtk-uuid': uuid }, rtk.replace('RECORDING', 'UPLOADED'))).status).toBe(401);
    expect((await cf.post({ 'rtk-signature': good, 'rtk-uuid': uuid }, rtk)).status).toBe(200);
    expect(await (await cf.post({ 'rtk-signature': good, 'rtk-uuid': uuid }, rtk)).json()).toMatchObject({ duplicate: true });
  });

  it('fails the recording of an errored video with Cloudflare\'s code and text', async () => {
    const { cf } = s;
    const cls = await h.cloudflareClass('Errored broadcast', 'stream');
    await cf.connect(cls.providerMeetingId!);
    await cf.disconnect(cls.providerMeetingId!, { fail: { code: 'ERR_MALFORMED_VIDEO', text: 'The video was deemed to be corrupted or malformed.' } });
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'failed');
    expect(rec.processingError).toMatch(/ERR_MALFORMED_VIDEO: The video was deemed to be corrupted or malformed/);
    await cf.idle();
    expect(await h.recordingsOf(cls.id)).toHaveLength(1);
  });

  it('heals a lost video webhook by polling the input after the disconnect, and retries a 5xx from the downloads API', async () => {
    const { cf } = s;
    const cls = await h.cloudflareClass('Lost webhook broadcast', 'stream');
    cf.loseNextWebhook('stream');
    cf.failNext(/^POST .*\/downloads$/, 503);
    await cf.connect(cls.providerMeetingId!);
    const videoUid = await cf.disconnect(cls.providerMeetingId!);
    // The poll, the retried download and the import's processing, on a machine that may be busy with other suites.
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'ready', 75_000);
    expect(rec.externalRef).toBe(`cloudflare:${videoUid}`);
    expect(cf.webhooks.find((w) => w.about === `video ${videoUid} ready`)?.dropped).toBe(true);
    expect(cf.requests.some((r) => r.path.endsWith(`/live_inputs/${cls.providerMeetingId}/videos`))).toBe(true);
    expect(cf.requests.filter((r) => r.path.endsWith(`/stream/${videoUid}/downloads`)).map((r) => r.status)).toContain(503);
    expect(await h.recordingsOf(cls.id)).toHaveLength(1);
  }, 90_000);

  it('copies the HLS when Cloudflare refuses the MP4 (recordings over 4 hours)', async () => {
    const { cf } = s;
    const cls = await h.cloudflareClass('Long broadcast', 'stream');
    const uid = await cf.connect(cls.providerMeetingId!);
    cf.refuseMp4(uid);
    await cf.disconnect(cls.providerMeetingId!);
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'ready');
    expect(rec.externalRef).toBe(`cloudflare:${uid}`);
    expect(cf.requests.some((r) => r.path === `/${uid}/manifest/video_0.m3u8` && r.status === 200)).toBe(true);
  }, 60_000);

  it('a RealtimeKit class: host and participant tokens through Aula, recording by hand, and the recording plays on the lesson page', async () => {
    const { t, cf, school } = s;
    const cls = await h.cloudflareClass('Biology meeting', 'realtimekit', { autoRecord: false });
    const meeting = cf.meetings.get(cls.providerMeetingId!)!;
    expect(meeting.recordOnStart).toBe(false);
    const instructor = school.batches[0]!.instructor;
    const student = school.batches[0]!.students[0]!;
    const host = await t.api<{ token: string; canPublish: boolean }>('GET', `/api/v1/live-classes/${cls.id}/join`, { token: instructor.token });
    const guest = await t.api<{ token: string; canPublish: boolean }>('GET', `/api/v1/live-classes/${cls.id}/join`, { token: student.token });
    expect(host.status).toBe(200);
    expect((await t.api('GET', `/api/v1/live-classes/${cls.id}/join`, { token: school.batches[1]!.students[0]!.token })).status).toBe(403);
    expect(meeting.participants.map((p) => [p.customId, p.preset, p.token])).toEqual([
      [`user:${instructor.id}`, 'group_call_host', host.body.token], [`user:${student.id}`, 'group_call_participant', guest.body.token],
    ]);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/start`, { token: instructor.token })).status).toBe(200);
    const started = await t.api<Recording>('POST', `/api/v1/live-classes/${cls.id}/recordings`, { token: instructor.token });
    expect(started.status).toBe(201);
    const rtkId = await waitFor('RealtimeKit to record', () => meeting.active);
    expect((await t.api('POST', `/api/v1/recordings/${started.body.id}/stop`, { token: instructor.token })).status).toBe(200);
    const uploaded = await waitFor('the UPLOADED webhook', () => cf.webhooks.find((w) => w.about === `recording ${rtkId} UPLOADED` && w.status === 200));
    expect(uploaded.headers['rtk-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(uploaded.body).recording.fileSize).toMatch(/^\d+$/);
    const rec = await h.recordingOf(cls.id, (r) => r.id === started.body.id && r.status === 'ready');
    expect(rec.externalRef).toBe(`cloudflare:rtk:${rtkId}`);
    await h.playsOnLessonPage(rec.id);
  }, 120_000);

  it('a meeting that records on start is imported by itself; an expired download URL is fetched again; a foreign host is refused', async () => {
    const { cf } = s;
    const cls = await h.cloudflareClass('Auto meeting', 'realtimekit');
    expect(cf.meetings.get(cls.providerMeetingId!)!.recordOnStart).toBe(true);
    cf.downloadUrlTtlMs = -5_000;
    const rtkId = cf.startMeeting(cls.providerMeetingId!)!;
    cf.endMeeting(cls.providerMeetingId!);
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'ready');
    expect(rec.externalRef).toBe(`cloudflare:rtk:${rtkId}`);
    expect(cf.requests.some((r) => r.method === 'GET' && r.path.endsWith(`/recordings/${rtkId}`))).toBe(true);
    cf.downloadUrlTtlMs = 3_600_000;

    cf.foreignDownloadUrl = 'http://127.0.0.1:9/elsewhere.mp4';
    const second = cf.startMeeting(cls.providerMeetingId!)!;
    cf.endMeeting(cls.providerMeetingId!);
    const refused = await h.recordingOf(cls.id, (r) => r.externalRef === `cloudflare:rtk:${second}` && r.status === 'failed');
    expect(refused.processingError).toMatch(/not one of Cloudflare's hosts/);
  }, 60_000);

  it('retries a failing start 3 times with backoff, then fails the recording with the reason', async () => {
    const { t, cf } = s;
    const cls = await h.cloudflareClass('Unlucky meeting', 'realtimekit', { autoRecord: false });
    await t.api('POST', `/api/v1/live-classes/${cls.id}/start`);
    cf.failNext(/^POST .*\/recordings$/, 503, 4);
    const started = await t.api<Recording>('POST', `/api/v1/live-classes/${cls.id}/recordings`);
    const rec = await h.recordingOf(cls.id, (r) => r.id === started.body.id && r.status === 'failed');
    expect(rec.processingError).toMatch(/RealtimeKit did not start recording after 4 attempts: .*HTTP 503/);
    expect(cf.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/recordings')).slice(-4).map((r) => r.status)).toEqual([503, 503, 503, 503]);
  }, 60_000);
});

describe('Cloudflare classes, keep-on-Cloudflare storage: signed playback after Aula\'s access check', () => {
  let s: Setup;
  const h = helpers(() => s);

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aula-cf-keep-'));
  beforeAll(async () => {
    s = await setUp('keep', dataDir);
  }, 60_000);
  afterAll(async () => {
    await s?.t.close();
    await s?.cf.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('attaches the video without copying it, and gives an enrolled student a Cloudflare-signed URL that plays; another batch gets 403', async () => {
    const { t, cf, school } = s;
    const cls = await h.cloudflareClass('Kept broadcast', 'stream');
    expect(cf.liveInputs.get(cls.providerMeetingId!)!.requireSignedURLs).toBe(true);
    const uid = await cf.connect(cls.providerMeetingId!);
    await cf.disconnect(cls.providerMeetingId!);
    const rec = await h.recordingOf(cls.id, (r) => r.status === 'ready');
    expect(rec.outputs).toBeNull();
    expect(cf.requests.some((r) => r.path.includes('/downloads'))).toBe(false);

    const outsider = await t.api<ErrorBody>('GET', `/api/v1/recordings/${rec.id}/playback`, { token: school.batches[1]!.students[0]!.token });
    expect(outsider.status).toBe(403);
    const playback = await t.api<{ hls: string; mp4: string | null }>('GET', `/api/v1/recordings/${rec.id}/playback`, { token: school.batches[0]!.students[0]!.token });
    expect(playback.status).toBe(200);
    const url = new URL(playback.body.hls);
    expect(url.origin).toBe(cf.baseUrl);
    const token = url.pathname.split('/')[1]!;
    const [head, claims] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(head).toMatchObject({ alg: 'RS256' });
    expect(claims).toMatchObject({ sub: uid, kid: head!.kid });
    expect(Number(claims!.exp)).toBeGreaterThan(Date.now() / 1000);
    expect((await fetch(playback.body.hls)).status).toBe(200);
    expect((await fetch(playback.body.hls.replace(token, uid))).status).toBe(403);
    const audit = await t.api<{ items: { action: string; outcome: string; detail: string | null; recordingId: string }[] }>('GET', `/api/v1/audit?recordingId=${rec.id}`);
    expect(audit.body.items.filter((a) => a.recordingId === rec.id).map((a) => [a.outcome, a.detail])).toEqual(expect.arrayContaining([['allowed', 'provider-hosted'], ['denied', 'not in batch']]));

    await h.playsOnLessonPage(rec.id);
    const heartbeat = (position: number, event: string) => t.api('POST', `/api/v1/recordings/${rec.id}/progress`, { token: school.batches[0]!.students[0]!.token, body: { sessionId: 'kept-session-1', position, playing: true, event } });
    expect((await heartbeat(0, 'play')).status).toBeLessThan(300);
    expect((await heartbeat(1, 'pause')).status).toBeLessThan(300);
    await waitFor('the view to be counted', async () => (await t.api<{ views: number }>('GET', `/api/v1/recordings/${rec.id}/analytics`)).body.views >= 1);

    // Retention: once a deleted recording's media is purged, its video is deleted at Cloudflare too.
    expect((await t.api('DELETE', `/api/v1/recordings/${rec.id}`)).status).toBeLessThan(300);
    expect((await t.api('GET', `/api/v1/recordings/${rec.id}/playback`, { token: school.batches[0]!.students[0]!.token })).status).toBe(404);
    await t.close();
    s.t = await startAula({ ...envFor(cf), AULA_RETENTION_DAYS: '0' }, dataDir);
    await waitFor('the purge to delete the video at Cloudflare', () => cf.requests.find((r) => r.method === 'DELETE' && r.path.endsWith(`/stream/${uid}`) && r.status === 200));
    expect(cf.videos.has(uid)).toBe(false);
    await waitFor('the recording to be marked purged', async () => (await s.t.api<{ purgedAt: string | null }>('GET', `/api/v1/recordings/${rec.id}`)).body.purgedAt);
  }, 120_000);
});
