import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { launchChromium } from './support/browser';
import { LiveKitEmulator } from './support/emulators/livekit-emulator';
import { waitFor } from './support/wait';

type ErrorBody = { error: { code: string; message: string } };
interface LiveClass { id: string; status: string; providerMeetingId: string | null; providerData: Record<string, unknown> | null }
interface Recording { id: string; status: string; processingError: string | null; outputs: { renditions: { name: string }[]; mp4: boolean } | null; progress: { stage: string } | null; liveClassId: string }

const apiKey = 'APIaula0test';
const apiSecret = 'livekit-test-secret-0123456789abcdefghijkl';

describe('LiveKit classes: rooms, join tokens, Egress recordings and signed webhooks', () => {
  let t: TestAula;
  let lk: LiveKitEmulator;
  let egressDir: string;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let accountId: string;
  let webhookUrl: string;

  beforeAll(async () => {
    egressDir = await mkdtemp(path.join(os.tmpdir(), 'aula-egress-'));
    lk = await new LiveKitEmulator({ apiKey, apiSecret, localOutputDir: egressDir, mountPath: '/recordings', mediaSecondsOverride: 8, activationDelayMs: 100 }).start();
    t = await startAula({ AULA_LIVEKIT_RECONCILE_SECONDS: '1', AULA_LIVEKIT_START_TIMEOUT_SECONDS: '2', AULA_JOB_BACKOFF_MS: '100' });
    school = await seedSchool(t, { lessons: 1, batches: 2, studentsPerBatch: 1 });
    const created = await t.api<{ id: string; webhookUrl: string }>('POST', '/api/v1/providers/livekit/accounts', {
      body: { name: 'School LiveKit', serverUrl: lk.wsUrl, apiKey, apiSecret, egress: { storage: 'directory', directory: egressDir, directoryOnEgressHost: '/recordings' } },
    });
    expect(created.status).toBe(201);
    accountId = created.body.id;
    webhookUrl = created.body.webhookUrl;
    expect(webhookUrl).toBe(`${t.url}/webhooks/livekit/${accountId}`);
    lk.setWebhookUrl(webhookUrl);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await lk?.close();
    if (egressDir) await rm(egressDir, { recursive: true, force: true });
  });

  const livekitClass = async (title: string, extra: Record<string, unknown> = {}) => {
    const r = await t.api<LiveClass>('POST', '/api/v1/live-classes', {
      body: { title, batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'livekit', providerAccountId: accountId, startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 60, ...extra },
    });
    expect(r.status).toBe(201);
    return r.body;
  };
  const recordingsOf = async (liveClassId: string) => (await t.api<{ items: Recording[] }>('GET', `/api/v1/recordings?liveClassId=${liveClassId}`)).body.items;
  const recordingOf = (liveClassId: string, pred: (r: Recording) => boolean) => waitFor(`a recording of ${liveClassId}`, async () => (await recordingsOf(liveClassId)).find(pred), 30_000);
  const roomOfEgress = (id: string) => (lk.egress(id) as { roomName?: string }).roomName;
  const egressOfRoom = (room: string) => waitFor(`an egress of ${room}`, () => lk.egressIds().find((id) => roomOfEgress(id) === room));

  it('connects an account only with credentials LiveKit accepts, never shows the secret, and refuses classes that cannot run', async () => {
    const wrong = await t.api<ErrorBody>('POST', '/api/v1/providers/livekit/accounts', { body: { name: 'Wrong', serverUrl: lk.wsUrl, apiKey, apiSecret: 'not-the-secret', egress: { storage: 'directory', directory: egressDir } } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toMatch(/LiveKit refused this API key and secret/);
    const s3 = await t.api<ErrorBody>('POST', '/api/v1/providers/livekit/accounts', { body: { name: 'S3', serverUrl: lk.wsUrl, apiKey, apiSecret, egress: { storage: 's3' } } });
    expect(s3.status).toBe(422);
    const list = await t.api<{ items: { id: string; apiKey: string }[] }>('GET', '/api/v1/providers/livekit/accounts');
    expect(list.body.items.map((a) => a.id)).toContain(accountId);
    expect(JSON.stringify(list.body)).not.toContain(apiSecret);
    expect((await t.api('GET', '/api/v1/providers/livekit/accounts', { token: school.batches[0]!.instructor.token })).status).toBe(403);

    const base = { title: 'x', batchId: school.batches[0]!.id, startsAt: new Date().toISOString(), durationMinutes: 30 };
    const noAccount = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { ...base, provider: 'livekit' } });
    expect(noAccount.status).toBe(422);
    expect(noAccount.body.error.message).toMatch(/needs providerAccountId/);
    const cloudflare = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { ...base, provider: 'cloudflare' } });
    expect(cloudflare.status).toBe(422);
    expect(cloudflare.body.error.message).toMatch(/needs providerAccountId/);
    const stray = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { ...base, provider: 'native', providerAccountId: accountId } });
    expect(stray.status).toBe(422);
    expect(stray.body.error.message).toMatch(/does not apply to native/);
  });

  it('gives each member a token for this room only: staff publish, students subscribe and chat until let to speak, outsiders get 403', async () => {
    const cls = await livekitClass('Tokens live');
    const room = `aula-${cls.id}`;
    expect(cls.providerData).toMatchObject({ room, serverUrl: lk.wsUrl });
    const verifier = new TokenVerifier(apiKey, apiSecret);
    const join = async (token: string) => t.api<{ token: string; serverUrl: string; roomName: string; canPublish: boolean }>('GET', `/api/v1/live-classes/${cls.id}/join`, { token });
    const instructor = await join(school.batches[0]!.instructor.token);
    expect(instructor.status).toBe(200);
    expect(instructor.body.serverUrl).toBe(lk.wsUrl);
    const hostGrants = await verifier.verify(instructor.body.token);
    expect(hostGrants.video).toMatchObject({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, roomAdmin: true });
    expect(hostGrants.sub).toBe(`user:${school.batches[0]!.instructor.id}`);
    const student = school.batches[0]!.students[0]!;
    const before = await verifier.verify((await join(student.token)).body.token);
    expect(before.video).toMatchObject({ room, canPublish: false, canSubscribe: true, canPublishData: true });
    expect(before.video?.roomAdmin).toBeFalsy();
    expect(before.exp! - before.nbf!).toBeLessThanOrEqual(15 * 60);
    expect((await join(school.batches[1]!.students[0]!.token)).status).toBe(403);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/speakers`, { token: student.token, body: { userId: student.id } })).status).toBe(403);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/speakers`, { body: { userId: school.batches[1]!.students[0]!.id } })).status).toBe(422);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/speakers`, { token: school.batches[0]!.instructor.token, body: { userId: student.id } })).status).toBe(200);
    const after = await verifier.verify((await join(student.token)).body.token);
    expect(after.video?.canPublish).toBe(true);
  });

  it('records the class with Egress: start → active → end → egress_ended, and the recording plays on the lesson page within 5 s of the webhook', async () => {
    const cls = await livekitClass('Chemistry live');
    const room = `aula-${cls.id}`;
    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/start`, { token: school.batches[0]!.instructor.token })).status).toBe(200);
    const egressId = await egressOfRoom(room);
    await lk.waitForEgressStatus(egressId, 'EGRESS_ACTIVE');
    const start = lk.requests.find((r) => r.rpc === 'Egress/StartRoomCompositeEgress' && r.body.includes(room));
    expect(start?.authorization).toMatch(/^Bearer /);
    expect(JSON.parse(start!.body)).toMatchObject({ roomName: room, fileOutputs: [{ filepath: expect.stringContaining(`livekit-egress/`) }], segmentOutputs: [{ playlistName: expect.stringMatching(/index\.m3u8$/), livePlaylistName: expect.stringMatching(/live\.m3u8$/), segmentDuration: 4 }] });
    const rec = await recordingOf(cls.id, (r) => r.status === 'recording');

    expect((await t.api('POST', `/api/v1/live-classes/${cls.id}/end`, { token: school.batches[0]!.instructor.token })).status).toBe(200);
    const ended = await lk.waitForWebhook((w) => w.event === 'egress_ended' && w.egressId === egressId, 30_000);
    const endedAt = Date.now();
    expect(ended.status).toBe(200);
    const ready = await waitFor('the recording to be ready', async () => {
      const r = (await t.api<Recording>('GET', `/api/v1/recordings/${rec.id}`)).body;
      return r.status === 'ready' ? r : null;
    }, 10_000, 50);
    const secondsToPlayable = (Date.now() - endedAt) / 1000;
    expect(secondsToPlayable).toBeLessThan(5);
    expect(ready.outputs?.renditions.map((r) => r.name)).toContain('egress');

    const chrome = await launchChromium();
    try {
      const student = school.batches[0]!.students[0]!;
      const page = await chrome.browser.newPage();
      await page.goto(`${t.url}/lessons/${school.lessons[0]!.id}?token=${encodeURIComponent(student.token)}`);
      const card = page.locator(`a.recording-card[data-recording-id="${rec.id}"]`);
      await card.waitFor({ timeout: 15_000 });
      await card.click();
      await page.waitForFunction(() => (window.aulaPlayer?.video.currentTime ?? 0) > 1, undefined, { timeout: 20_000 });
    } finally {
      await chrome.close();
    }
    // The pipeline then makes the rest from the egress MP4: the download and the other outputs follow.
    const done = await waitFor('processing to finish', async () => {
      const r = (await t.api<Recording>('GET', `/api/v1/recordings/${rec.id}`)).body;
      return r.progress?.stage === 'done' ? r : null;
    }, 60_000, 200);
    expect(done.status).toBe('ready');
    expect(done.outputs?.mp4).toBe(true);
    // The egress's own rendition, playable from the start, stays as it was; the pipeline adds the lower rungs beside
    // it instead of copying the same picture again.
    const names = done.outputs!.renditions.map((r) => r.name);
    expect(names[0]).toBe('egress');
    expect(names).not.toContain('720p');
    expect(names.length).toBeGreaterThan(1);
  }, 120_000);

  it('opens the class page of a LiveKit class with livekit-client, which connects to the account\'s server with this viewer\'s token', async () => {
    const cls = await livekitClass('Browser live');
    const student = school.batches[0]!.students[0]!;
    const chrome = await launchChromium();
    try {
      const page = await chrome.browser.newPage();
      await page.goto(`${t.url}/live/${cls.id}?token=${encodeURIComponent(student.token)}`);
      // No LiveKit media server runs here: the emulator speaks only the server API, so the browser's signalling attempt is what is checked.
      const attempt = await waitFor('the browser to reach the LiveKit server', () => lk.requests.find((r) => r.path.startsWith('/rtc') && r.path.includes('access_token=')), 20_000);
      const token = new URL(attempt.path, lk.url).searchParams.get('access_token')!;
      const grants = await new TokenVerifier(apiKey, apiSecret).verify(token);
      expect(grants.video).toMatchObject({ room: `aula-${cls.id}`, canPublish: false, canSubscribe: true });
      expect(grants.sub).toBe(`user:${student.id}`);
      await page.waitForSelector('#connection-status[data-state=failed]', { timeout: 30_000 });
      expect(await page.locator('#chat-input').count()).toBe(1);
      expect(await page.locator('#raise-hand').isVisible()).toBe(true);
      expect(await page.locator('#toggle-camera').isVisible()).toBe(false);
    } finally {
      await chrome.close();
    }
  }, 60_000);

  it('refuses forged, expired, tampered and Bearer-prefixed webhooks with 401, and handles a replayed one once', async () => {
    const body = JSON.stringify({ event: 'room_started', id: 'EV_replay1', createdAt: String(Math.floor(Date.now() / 1000)), room: { sid: 'RM_x', name: 'aula-unknown' } });
    const sign = async (secret: string, raw: string, ttl = 300) => {
      const at = new AccessToken(apiKey, secret, { ttl });
      at.sha256 = (await import('node:crypto')).createHash('sha256').update(raw).digest('base64');
      return at.toJwt();
    };
    const post = (raw: string, authorization: string) => fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/webhook+json', authorization }, body: raw });
    expect((await post(body, await sign('wrong-secret-0123456789abcdefghijk', body))).status).toBe(401);
    expect((await post(body.replace('aula-unknown', 'aula-other'), await sign(apiSecret, body))).status).toBe(401);
    expect((await post(body, `Bearer ${await sign(apiSecret, body)}`)).status).toBe(401);
    expect((await post(body, await sign(apiSecret, body, -120))).status).toBe(401);
    const ok = await post(body, await sign(apiSecret, body));
    expect(ok.status).toBe(200);
    const again = await post(body, await sign(apiSecret, body));
    expect(await again.json()).toMatchObject({ duplicate: true });
    expect((await fetch(`${t.url}/webhooks/livekit/no-such-account`, { method: 'POST', headers: { 'content-type': 'application/webhook+json', authorization: await sign(apiSecret, body) }, body })).status).toBe(404);
  });

  it('fails the recording with LiveKit\'s own error text when the egress fails', async () => {
    lk.queueEgressBehaviour({ fail: { error: 'Start signal not received', status: 'EGRESS_ABORTED', when: 'active' } });
    const cls = await livekitClass('Failing live');
    await t.api('POST', `/api/v1/live-classes/${cls.id}/start`);
    const rec = await recordingOf(cls.id, (r) => r.status === 'failed');
    expect(rec.processingError).toMatch(/LiveKit egress was aborted: Start signal not received/);
  });

  it('heals a lost egress_ended from ListEgress, and retries a 5xx from the Egress API, losing nothing', async () => {
    lk.failNextApiCalls(1, { code: 'unavailable', rpc: 'Egress/StartRoomCompositeEgress' });
    lk.injectWebhookFault('egress_ended', 'drop');
    const cls = await livekitClass('Lost webhook live');
    await t.api('POST', `/api/v1/live-classes/${cls.id}/start`);
    const egressId = await egressOfRoom(`aula-${cls.id}`);
    await lk.waitForEgressStatus(egressId, 'EGRESS_ACTIVE');
    expect(lk.requests.filter((r) => r.rpc === 'Egress/StartRoomCompositeEgress' && r.body.includes(cls.id)).map((r) => r.status)).toEqual([503, 200]);
    await t.api('POST', `/api/v1/live-classes/${cls.id}/end`);
    await lk.waitForEgressStatus(egressId, 'EGRESS_COMPLETE');
    expect((await lk.waitForWebhook((w) => w.event === 'egress_ended' && w.egressId === egressId)).dropped).toBe(true);
    const rec = await recordingOf(cls.id, (r) => r.status === 'ready');
    expect(rec.outputs?.renditions.length).toBeGreaterThan(0);
    expect(await recordingsOf(cls.id)).toHaveLength(1);
  }, 60_000);

  it('starts an egress stuck in STARTING once more, then fails with the reason', async () => {
    lk.queueEgressBehaviour({ stuckInStarting: true }, { stuckInStarting: true });
    const cls = await livekitClass('Stuck live');
    await t.api('POST', `/api/v1/live-classes/${cls.id}/start`);
    const rec = await recordingOf(cls.id, (r) => r.status === 'failed');
    expect(rec.processingError).toMatch(/did not become active within 2 s, twice/);
    expect(lk.egressIds().filter((id) => roomOfEgress(id) === `aula-${cls.id}`)).toHaveLength(2);
  }, 60_000);

  it('moves the class with room_started and room_finished, and counts participants (not the egress recorder) in attendance', async () => {
    const cls = await livekitClass('Attendance live', { autoRecord: false });
    const room = `aula-${cls.id}`;
    const student = school.batches[0]!.students[0]!;
    lk.createRoom(room);
    await lk.waitForWebhook((w) => w.event === 'room_started' && w.body.includes(room) && w.status === 200);
    expect((await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`)).body.status).toBe('live');
    lk.joinParticipant(room, `user:${student.id}`, 'Student 1.1');
    lk.joinParticipant(room, 'EG_recorder', 'egress', { kind: 'EGRESS' });
    await lk.waitForWebhook((w) => w.event === 'participant_joined' && w.body.includes('EG_recorder') && w.status === 200);
    lk.leaveParticipant(room, `user:${student.id}`);
    await lk.waitForWebhook((w) => w.event === 'participant_left' && w.body.includes(student.id) && w.status === 200);
    await lk.finishRoom(room);
    await lk.waitForWebhook((w) => w.event === 'room_finished' && w.body.includes(room) && w.status === 200);
    expect((await t.api<LiveClass>('GET', `/api/v1/live-classes/${cls.id}`)).body.status).toBe('ended');
    const attendance = await t.api<{ items: { userId: string; sessions: unknown[]; secondsPresent: number }[] }>('GET', `/api/v1/live-classes/${cls.id}/attendance`);
    expect(attendance.status).toBe(200);
    const row = attendance.body.items.find((r) => r.userId === student.id);
    expect(row?.sessions).toHaveLength(1);
    expect(attendance.body.items.some((r) => r.userId.includes('EG_'))).toBe(false);
  });
});
