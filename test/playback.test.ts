import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo } from './support/media';
import { waitUntilProcessed } from './support/recordings';

type ErrorBody = { error: { code: string; message: string } };
interface Playback { hls: string; mp4: string; poster: string; thumbnails: string | null; chat: string | null; expiresAt: string }

describe('playback URLs, media serving and the audit log', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let recordingId: string;
  let now = Date.now();
  beforeAll(async () => {
    t = await startAula({ AULA_PLAYBACK_TTL_SECONDS: '3600' }, undefined, { now: () => new Date(now) });
    school = await seedSchool(t, { batches: 2 });
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Playback class', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    const video = await readFile(await makeTestVideo(path.join(t.dataDir, 'p.mp4'), { seconds: 6, width: 640, height: 360 }));
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=p.mp4&title=${encodeURIComponent('Week 1: "Intro" / part 1')}`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    recordingId = rec.body.id;
    await waitUntilProcessed(t, [recordingId], 150_000);
  }, 180_000);
  afterAll(async () => t.close());

  const student = () => school.batches[0]!.students[0]!.token;
  const outsider = () => school.batches[1]!.students[0]!.token;

  it('issues signed URLs to an enrolled student that serve every playlist and segment by relative URL', async () => {
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    expect(pb.status).toBe(200);
    expect(pb.body.hls).toMatch(/\/media\/[^/]+\/hls\/master\.m3u8$/);
    expect(Date.parse(pb.body.expiresAt) - now).toBeGreaterThan(3500_000);
    const master = await fetch(pb.body.hls);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(master.headers.get('cache-control')).toMatch(/max-age=2/);
    const text = await master.text();
    const variant = text.split('\n').find((l) => l.endsWith('.m3u8'))!;
    const variantUrl = new URL(variant, pb.body.hls).toString();
    const playlist = await (await fetch(variantUrl)).text();
    const segment = playlist.split('\n').find((l) => l.endsWith('.ts'))!;
    const seg = await fetch(new URL(segment, variantUrl));
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect(seg.headers.get('cache-control')).toMatch(/immutable/);
    const poster = await fetch(pb.body.poster);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });

  it('serves byte ranges exactly and refuses impossible ones with 416', async () => {
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    const full = Buffer.from(await (await fetch(pb.body.mp4)).arrayBuffer());
    expect(full.length).toBeGreaterThan(1000);
    const part = await fetch(pb.body.mp4, { headers: { range: 'bytes=100-599' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-599/${full.length}`);
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await part.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(full.subarray(100, 600)).digest('hex'));
    const tail = Buffer.from(await (await fetch(pb.body.mp4, { headers: { range: 'bytes=-10' } })).arrayBuffer());
    expect(tail.equals(full.subarray(full.length - 10))).toBe(true);
    const open = Buffer.from(await (await fetch(pb.body.mp4, { headers: { range: `bytes=${full.length - 5}-` } })).arrayBuffer());
    expect(open.equals(full.subarray(full.length - 5))).toBe(true);
    const bad = await fetch(pb.body.mp4, { headers: { range: `bytes=${full.length + 10}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${full.length}`);
    expect(((await bad.json()) as ErrorBody).error.code).toBe('range_not_satisfiable');
    const dl = await fetch(pb.body.mp4);
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="Week-1-Intro-part-1\.mp4"/);
  });

  it('refuses a student of another batch, tampered and expired tokens, and other files', async () => {
    const denied = await t.api<ErrorBody>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: outsider() });
    expect(denied.status).toBe(403);
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    const token = pb.body.hls.split('/media/')[1]!.split('/')[0]!;
    const sig = token.split('.').at(-1)!;
    const tampered = pb.body.hls.replace(token, token.slice(0, -sig.length) + (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const r1 = await fetch(tampered);
    expect(r1.status).toBe(403);
    expect(((await r1.json()) as ErrorBody).error.message).toMatch(/not valid/);
    // The link carried by another student's own credentials is refused.
    const copied = await fetch(pb.body.hls, { headers: { authorization: `Bearer ${outsider()}` } });
    expect(copied.status).toBe(403);
    expect(((await copied.json()) as ErrorBody).error.message).toMatch(/another viewer/);
    expect((await fetch(pb.body.hls, { headers: { authorization: `Bearer ${student()}` } })).status).toBe(200);
    const source = await fetch(pb.body.hls.replace('hls/master.m3u8', 'source/original.mp4'));
    expect(source.status).toBe(404);
    const traversal = await fetch(pb.body.hls.replace('hls/master.m3u8', 'hls/..%2F..%2Fsource/original.mp4'));
    expect(traversal.status).toBe(404);
    now += 3601_000;
    const expired = await fetch(pb.body.hls);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as ErrorBody).error.message).toMatch(/expired/);
    now -= 3601_000;
  });

  it('stops serving a recording deleted after its URL was issued', async () => {
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    expect((await fetch(pb.body.hls)).status).toBe(200);
    await t.api('DELETE', `/api/v1/recordings/${recordingId}`);
    expect((await fetch(pb.body.hls)).status).toBe(404);
    await t.api('POST', `/api/v1/recordings/${recordingId}/restore`);
    expect((await fetch(pb.body.hls)).status).toBe(200);
  });

  it('stops serving a link within 30 s of its viewer leaving the batch, and serves it again on re-enrolment', async () => {
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    expect((await fetch(pb.body.hls)).status).toBe(200);
    const batchId = school.batches[0]!.id;
    const studentId = school.batches[0]!.students[0]!.id;
    expect((await t.api('DELETE', `/api/v1/batches/${batchId}/students/${studentId}`)).status).toBe(204);
    now += 31_000;
    const removed = await fetch(pb.body.hls);
    expect(removed.status).toBe(403);
    expect(((await removed.json()) as ErrorBody).error.message).toMatch(/may no longer watch/);
    expect((await t.api('POST', `/api/v1/batches/${batchId}/students`, { body: { userId: studentId } })).status).toBe(201);
    now += 31_000;
    expect((await fetch(pb.body.hls)).status).toBe(200);
  });

  it('keeps the union of watched ranges, resumes, and reports views, completion and a heatmap', async () => {
    const s = student();
    const hb = (sessionId: string, position: number, playing: boolean, event?: string) =>
      t.api<{ watchedPercent: number } & ErrorBody>('POST', `/api/v1/recordings/${recordingId}/progress`, { token: s, body: { sessionId, position, playing, ...(event && { event }) } });
    // Watch 0–4 s, then re-watch 0–3 s in a second session: the union is 4 s, not 7.
    await hb('session-aaaa-1', 0, true, 'play');
    now += 4000;
    await hb('session-aaaa-1', 4, false, 'pause');
    await hb('session-bbbb-2', 0, true, 'play');
    now += 3000;
    const last = await hb('session-bbbb-2', 3, false, 'pause');
    expect(last.status).toBe(200);
    const past = await hb('session-bbbb-2', 500, true);
    expect(past.status).toBe(422);
    const foreign = await t.api('POST', `/api/v1/recordings/${recordingId}/progress`, { token: outsider(), body: { sessionId: 'session-cccc-3', position: 1, playing: true } });
    expect(foreign.status).toBe(403);

    const analytics = await t.api<{ uniqueViewers: number; views: number; heatmap: { bucketSeconds: number; views: number[] }; viewers: { watchedSeconds: number }[]; totalWatchSeconds: number }>('GET', `/api/v1/recordings/${recordingId}/analytics`, { token: school.batches[0]!.instructor.token });
    expect(analytics.body.uniqueViewers).toBe(1);
    expect(analytics.body.views).toBe(2);
    expect(analytics.body.viewers[0]!.watchedSeconds).toBeCloseTo(4, 1);
    expect(analytics.body.totalWatchSeconds).toBeCloseTo(7, 1);
    expect(analytics.body.heatmap.bucketSeconds).toBe(5);
    expect(analytics.body.heatmap.views[0]).toBe(2);
    expect((await t.api('GET', `/api/v1/recordings/${recordingId}/analytics`, { token: s })).status).toBe(403);

    const lesson = await t.api<{ items: { id: string; progressForViewer: { lastPosition: number; watchedPercent: number } }[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings`, { token: s });
    const mine = lesson.body.items.find((r) => r.id === recordingId)!;
    expect(mine.progressForViewer.lastPosition).toBe(3);
    expect(mine.progressForViewer.watchedPercent).toBeGreaterThan(50);

    const report = await t.api<{ students: { recordings: { watchedPercent: number }[] }[] }>('GET', `/api/v1/batches/${school.batches[0]!.id}/watch-report`, { token: school.batches[0]!.instructor.token });
    expect(report.body.students[0]!.recordings[0]!.watchedPercent).toBeGreaterThan(50);
    const csv = await t.api<string>('GET', `/api/v1/batches/${school.batches[0]!.id}/watch-report?format=csv`, { token: school.batches[0]!.instructor.token });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Student 1\.1,/);
  });

  it('takes a chat log and captions for a recording made elsewhere, serves them to the player at once, and refuses bad ones', async () => {
    const staff = school.batches[0]!.instructor.token;
    const put = (file: string, body: string, contentType: string, token = staff) =>
      t.api<{ messages?: number; skipped?: number } & ErrorBody>('PUT', `/api/v1/recordings/${recordingId}/${file}`, { token, rawBody: body, headers: { 'content-type': contentType } });
    const chat = ['{"t": 1.5, "author": "Ana", "text": "Can you repeat the last step?"}', 'not json', '{"t": 3, "author": "Instructor", "text": "Of course"}'].join('\n');
    const attached = await put('chat', chat, 'application/x-ndjson');
    expect(attached.status).toBe(200);
    expect(attached.body).toMatchObject({ messages: 2, skipped: 1 });
    const captions = 'WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nWelcome to the class\n';
    expect((await put('captions', captions, 'text/vtt')).status).toBe(200);

    const pb = await t.api<Playback & { captions: string | null }>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student() });
    const chatVtt = await (await fetch(pb.body.chat!)).text();
    expect(chatVtt).toMatch(/^WEBVTT/);
    expect(chatVtt).toContain('Can you repeat the last step?');
    expect(chatVtt).toContain('00:00:01.500 -->');
    expect(await (await fetch(pb.body.captions!)).text()).toBe(captions);

    expect((await put('chat', 'nothing here\n', 'application/x-ndjson')).status).toBe(422);
    const notVtt = await put('captions', '1\n00:00:00,500 --> 00:00:02,000\nSRT, not WebVTT\n', 'text/plain');
    expect(notVtt.status).toBe(422);
    expect(notVtt.body.error.message).toMatch(/WEBVTT/);
    expect((await put('chat', '{"t":1}', 'application/json')).status).toBe(415);
    expect((await put('captions', captions, 'text/vtt', student())).status).toBe(403);
    // The refused attempts changed nothing.
    expect(await (await fetch(pb.body.captions!)).text()).toBe(captions);
    expect(await (await fetch(pb.body.chat!)).text()).toBe(chatVtt);
  });

  it('keeps a chat log attached while the recording is still being processed', async () => {
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Chat during processing', batchId: school.batches[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    const video = await readFile(await makeTestVideo(path.join(t.dataDir, 'chat-race.mp4'), { seconds: 8, width: 640, height: 360 }));
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=chat-race.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    const put = await t.api('PUT', `/api/v1/recordings/${rec.body.id}/chat`, { rawBody: '{"t": 2, "author": "Ana", "text": "Sent while it was processing"}\n', headers: { 'content-type': 'application/x-ndjson' } });
    expect(put.status).toBe(200);
    await expect.poll(async () => (await t.api<{ progress: { stage: string } | null }>('GET', `/api/v1/recordings/${rec.body.id}`)).body.progress?.stage, { timeout: 60_000, interval: 200 }).toBe('done');
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${rec.body.id}/playback`, { token: student() });
    expect(pb.body.chat).not.toBeNull();
    expect(await (await fetch(pb.body.chat!)).text()).toContain('Sent while it was processing');
  });

  it('records every issuance, download and denial in an append-only audit log', async () => {
    const pb = await t.api<Playback>('GET', `/api/v1/recordings/${recordingId}/playback`, { token: student(), headers: { 'user-agent': 'audit-test-agent', 'x-forwarded-for': '203.0.113.9' } });
    await (await fetch(pb.body.mp4)).arrayBuffer();
    await t.api('GET', `/api/v1/recordings/${recordingId}/playback`, { token: outsider() });
    const audit = await t.api<{ items: { action: string; outcome: string; actorUserId: string | null; userAgent: string | null; ip: string | null }[] }>('GET', `/api/v1/audit?recordingId=${recordingId}&limit=500`);
    expect(audit.status).toBe(200);
    const kinds = audit.body.items.map((e) => `${e.action}:${e.outcome}`);
    expect(kinds).toContain('playback.issue:allowed');
    expect(kinds).toContain('playback.issue:denied');
    expect(kinds).toContain('media.download:allowed');
    // No proxy is trusted by default, so a forged X-Forwarded-For does not change the recorded address.
    expect(audit.body.items.some((e) => e.userAgent === 'audit-test-agent' && e.ip === '127.0.0.1')).toBe(true);
    expect(audit.body.items.some((e) => e.ip === '203.0.113.9')).toBe(false);
    const denied = await t.api<{ items: { actorUserId: string }[] }>('GET', `/api/v1/audit?outcome=denied&recordingId=${recordingId}`);
    expect(denied.body.items.some((e) => e.actorUserId === school.batches[1]!.students[0]!.id)).toBe(true);
    expect((await t.api('GET', '/api/v1/audit', { token: student() })).status).toBe(403);
    // The database itself refuses to rewrite history.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(t.dataDir, 'aula.db'));
    try {
      expect(() => db.prepare('delete from audit_events').run()).toThrow(/append-only/);
      expect(() => db.prepare("update audit_events set outcome = 'allowed'").run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});
