import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { makeTestVideo } from './support/media';
import { waitFor } from './support/wait';

type ErrorBody = { error: { code: string; message: string } };
interface Recording { id: string; status: string; title: string; startedAt: string; liveClass: { id: string; title: string }; processingError: string | null; durationSeconds: number | null }

function waitForStatus(t: TestAula, id: string, statuses: string[], timeoutMs = 45_000): Promise<Recording> {
  return waitFor(`recording ${id} to be ${statuses.join(' or ')}`, async () => {
    const r = await t.api<Recording>('GET', `/api/v1/recordings/${id}`);
    return statuses.includes(r.body.status) && r.body;
  }, timeoutMs, 150);
}

describe('live classes and the recording lifecycle', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let video: Buffer;
  beforeAll(async () => {
    t = await startAula({ AULA_JOB_BACKOFF_MS: '50' });
    school = await seedSchool(t, { lessons: 2, batches: 2, studentsPerBatch: 1 });
    video = await readFile(await makeTestVideo(path.join(t.dataDir, 'class.mp4'), { seconds: 2 }));
  });
  afterAll(async () => t.close());

  const schedule = async (batch: number, title: string, token?: string, extra: Record<string, unknown> = {}) => {
    const r = await t.api<{ id: string } & ErrorBody>('POST', '/api/v1/live-classes', {
      token, body: { title, batchId: school.batches[batch]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 60, ...extra },
    });
    if (r.status !== 201) throw new Error(JSON.stringify(r.body));
    return r.body.id;
  };
  const upload = async (classId: string, startedAt: string, token?: string) => {
    const r = await t.api<Recording>('POST', `/api/v1/live-classes/${classId}/uploads?filename=class.mp4&startedAt=${encodeURIComponent(startedAt)}`, { token, rawBody: video, headers: { 'content-type': 'video/mp4' } });
    expect(r.status).toBe(201);
    return r.body;
  };

  it('shows each student exactly the ready recordings of their batch, newest first, in a stable order', async () => {
    const lecture = await schedule(0, 'Lecture');
    const reteach = await schedule(0, 'Re-teach');
    const qa = await schedule(1, 'Q&A');
    const uploads = [
      await upload(lecture, '2026-03-01T10:00:00Z'),
      await upload(lecture, '2026-03-01T10:30:00Z'),
      await upload(reteach, '2026-03-03T10:00:00Z'),
      await upload(qa, '2026-03-02T10:00:00Z'),
      await upload(qa, '2026-03-04T10:00:00Z'),
    ];
    for (const u of uploads) expect((await waitForStatus(t, u.id, ['ready'])).status).toBe('ready');

    const lessonId = school.lessons[0]!.id;
    const s1 = school.batches[0]!.students[0]!.token;
    const s2 = school.batches[1]!.students[0]!.token;
    const list1 = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: s1 });
    expect(list1.body.items.map((r) => r.startedAt)).toEqual(['2026-03-03T10:00:00.000Z', '2026-03-01T10:30:00.000Z', '2026-03-01T10:00:00.000Z']);
    expect(list1.body.items.map((r) => r.liveClass.title)).toEqual(['Re-teach', 'Lecture', 'Lecture']);
    const list2 = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: s2 });
    expect(list2.body.items.map((r) => r.id)).toEqual([uploads[4]!.id, uploads[3]!.id]);
    for (let i = 0; i < 3; i++) {
      const again = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: s1 });
      expect(again.body.items.map((r) => r.id)).toEqual(list1.body.items.map((r) => r.id));
    }
    // Paging walks the same order.
    const p1 = await t.api<{ items: Recording[]; nextCursor: string }>('GET', `/api/v1/lessons/${lessonId}/recordings?limit=2`, { token: s1 });
    const p2 = await t.api<{ items: Recording[]; nextCursor: string | null }>('GET', `/api/v1/lessons/${lessonId}/recordings?limit=2&cursor=${p1.body.nextCursor}`, { token: s1 });
    expect([...p1.body.items, ...p2.body.items].map((r) => r.id)).toEqual(list1.body.items.map((r) => r.id));
    expect(p2.body.nextCursor).toBeNull();

    // A fourth class added later, recorded live, appears at the top.
    const extra = await schedule(0, 'Extra session', undefined, { provider: 'native', autoRecord: false });
    const late = await upload(extra, new Date().toISOString());
    await waitForStatus(t, late.id, ['ready']);
    const list3 = await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: s1 });
    expect(list3.body.items[0]?.id).toBe(late.id);
    expect(list3.body.items).toHaveLength(4);

    // The batch view includes classes with no lesson.
    const noLesson = await schedule(1, 'Office hours', undefined, { lessonId: null });
    const oh = await upload(noLesson, '2026-03-05T10:00:00Z');
    await waitForStatus(t, oh.id, ['ready']);
    const batchList = await t.api<{ items: Recording[] }>('GET', `/api/v1/batches/${school.batches[1]!.id}/recordings`, { token: s2 });
    expect(batchList.body.items.map((r) => r.id)).toEqual([oh.id, uploads[4]!.id, uploads[3]!.id]);
    const foreign = await t.api<ErrorBody>('GET', `/api/v1/batches/${school.batches[1]!.id}/recordings`, { token: s1 });
    expect(foreign.status).toBe(403);
  });

  it('answers every recording request with what was made of it, never where its files are stored', async () => {
    const cls = await schedule(0, 'Storage stays inside');
    const up = await upload(cls, '2026-03-06T10:00:00Z');
    const ready = await waitForStatus(t, up.id, ['ready']);
    await expect.poll(async () => (await t.api<{ progress: { stage: string } | null }>('GET', `/api/v1/recordings/${up.id}`)).body.progress?.stage, { timeout: 45_000, interval: 200 }).toBe('done');
    const lessonId = school.lessons[0]!.id;
    const student = school.batches[0]!.students[0]!.token;
    const answers = [
      up,
      ready,
      (await t.api('GET', `/api/v1/recordings/${up.id}`)).body,
      (await t.api('GET', `/api/v1/recordings/${up.id}`, { token: student })).body,
      (await t.api('GET', `/api/v1/recordings?liveClassId=${cls}`)).body,
      (await t.api('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: student })).body,
      (await t.api('PATCH', `/api/v1/recordings/${up.id}`, { body: { title: 'Renamed' } })).body,
      (await t.api('PUT', `/api/v1/recordings/${up.id}/trim`, { body: { startSeconds: 0.5 } })).body,
      (await t.api('GET', `/api/v1/recordings?liveClassId=${cls}`)).body,
      (await t.api('DELETE', `/api/v1/recordings/${up.id}/trim`)).body,
      (await t.api('DELETE', `/api/v1/recordings/${up.id}`)).body,
      (await t.api('POST', `/api/v1/recordings/${up.id}/restore`)).body,
    ];
    for (const body of answers) expect(JSON.stringify(body)).not.toMatch(/Key"|recordings\/|source\//);
    const detail = (await t.api<{ outputs: { renditions: { name: string }[]; poster: boolean; mp4: boolean; thumbnails: boolean }; liveClass: { provider: string }; job: { status: string } | null }>('GET', `/api/v1/recordings/${up.id}`)).body;
    expect(detail.outputs.renditions.length).toBeGreaterThan(0);
    expect(detail.outputs).toMatchObject({ poster: true, mp4: true, thumbnails: true });
    expect(detail.liveClass.provider).toBe('upload');
    expect(detail.job?.status).toBe('done');
    // Lists show a trim like the recording itself does.
    await t.api('PUT', `/api/v1/recordings/${up.id}/trim`, { body: { startSeconds: 0.5 } });
    const listed = await t.api<{ items: { trim: { startSeconds: number } | null }[] }>('GET', `/api/v1/recordings?liveClassId=${cls}`);
    expect(listed.body.items[0]?.trim?.startSeconds).toBe(0.5);
    const onLesson = await t.api<{ items: { id: string; trim: { startSeconds: number } | null }[] }>('GET', `/api/v1/lessons/${lessonId}/recordings`, { token: student });
    expect(onLesson.body.items.find((r) => r.id === up.id)?.trim?.startSeconds).toBe(0.5);
  });

  it('auto-records when the class starts, stops when it ends, and each manual start→stop is its own recording', async () => {
    const instructor = school.batches[0]!.instructor.token;
    const cls = await schedule(0, 'Live algebra', instructor, { provider: 'native', autoRecord: true });
    // The LMS hands its students one join URL, the same in every answer about the class, for any viewer.
    const student = school.batches[0]!.students[0]!.token;
    const shown = await t.api<{ joinUrl: string | null }>('GET', `/api/v1/live-classes/${cls}`, { token: student });
    expect(shown.body.joinUrl).toBe(`${t.url}/live/${cls}`);
    const listed = await t.api<{ items: { id: string; joinUrl: string | null }[] }>('GET', `/api/v1/live-classes?batchId=${school.batches[0]!.id}`, { token: student });
    expect(listed.body.items.find((c) => c.id === cls)?.joinUrl).toBe(`${t.url}/live/${cls}`);
    const uploadClass = await schedule(0, 'Uploaded lecture', instructor);
    expect((await t.api<{ joinUrl: string | null }>('GET', `/api/v1/live-classes/${uploadClass}`, { token: instructor })).body.joinUrl).toBeNull();
    const started = await t.api<{ liveClass: { status: string; joinUrl: string | null }; recording: Recording }>('POST', `/api/v1/live-classes/${cls}/start`, { token: instructor });
    expect(started.body.liveClass.status).toBe('live');
    expect(started.body.liveClass.joinUrl).toBe(`${t.url}/live/${cls}`);
    expect(started.body.recording.status).toBe('recording');
    const twice = await t.api<ErrorBody>('POST', `/api/v1/live-classes/${cls}/start`, { token: instructor });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/currently 'live'/);
    const parallel = await t.api<ErrorBody>('POST', `/api/v1/live-classes/${cls}/recordings`, { token: instructor });
    expect(parallel.status).toBe(409);

    const stopped = await t.api<Recording>('POST', `/api/v1/recordings/${started.body.recording.id}/stop`, { token: instructor });
    expect(stopped.body.status).toBe('processing');
    const stopAgain = await t.api<ErrorBody>('POST', `/api/v1/recordings/${started.body.recording.id}/stop`, { token: instructor });
    expect(stopAgain.status).toBe(409);
    expect(stopAgain.body.error.message).toMatch(/not recording/);

    const second = await t.api<Recording>('POST', `/api/v1/live-classes/${cls}/recordings`, { token: instructor });
    expect(second.status).toBe(201);
    const ended = await t.api<{ stoppedRecordings: Recording[] }>('POST', `/api/v1/live-classes/${cls}/end`, { token: instructor });
    expect(ended.body.stoppedRecordings.map((r) => r.id)).toEqual([second.body.id]);

    const all = await t.api<{ items: Recording[] }>('GET', `/api/v1/recordings?liveClassId=${cls}`, { token: instructor });
    expect(all.body.items.map((r) => r.id).sort()).toEqual([started.body.recording.id, second.body.id].sort());
    // Nothing captured the media of this class, and the recording says so instead of pretending.
    const failed = await waitForStatus(t, second.body.id, ['failed']);
    expect(failed.processingError).toMatch(/No media was captured/);
    const events = await t.api<{ items: { from: string | null; to: string; actor: string; reason: string }[] }>('GET', `/api/v1/recordings/${second.body.id}/events`, { token: instructor });
    expect(events.body.items.map((e) => e.to)).toEqual(['recording', 'processing', 'failed']);
    expect(events.body.items[1]?.reason).toBe('class ended');
  });

  it('refuses bad input with clear errors and changes nothing', async () => {
    const student = school.batches[0]!.students[0]!.token;
    const noBatch = await t.api<ErrorBody>('POST', '/api/v1/live-classes', { body: { title: 'x', provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect(noBatch.status).toBe(400);
    expect(noBatch.body.error.message).toMatch(/batchId/);
    // A lesson of a course the batch does not take.
    const otherCourse = await t.api<{ id: string }>('POST', '/api/v1/courses', { body: { title: 'Other' } });
    const ch = await t.api<{ id: string }>('POST', `/api/v1/courses/${otherCourse.body.id}/chapters`, { body: { title: 'c' } });
    const foreignLesson = await t.api<{ id: string }>('POST', `/api/v1/chapters/${ch.body.id}/lessons`, { body: { title: 'l' } });
    const mismatch = await t.api<ErrorBody>('POST', '/api/v1/live-classes', {
      body: { title: 'x', batchId: school.batches[0]!.id, lessonId: foreignLesson.body.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.message).toMatch(/does not take/);
    const studentWrite = await t.api<ErrorBody>('POST', '/api/v1/live-classes', {
      token: student, body: { title: 'x', batchId: school.batches[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 30 },
    });
    expect(studentWrite.status).toBe(403);
    const otherInstructor = school.batches[1]!.instructor.token;
    const cls = await schedule(0, 'Deleted class');
    expect((await t.api('POST', `/api/v1/live-classes/${cls}/start`, { token: otherInstructor })).status).toBe(403);
    expect((await t.api('POST', `/api/v1/live-classes/${cls}/start`, { token: student })).status).toBe(403);
    expect((await t.api('DELETE', `/api/v1/live-classes/${cls}`)).status).toBe(204);
    const toDeleted = await t.api<ErrorBody>('POST', `/api/v1/live-classes/${cls}/uploads?filename=a.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    expect(toDeleted.status).toBe(404);
    const studentList = await t.api<ErrorBody>('GET', '/api/v1/recordings', { token: student });
    expect(studentList.status).toBe(403);
  });

  it('refuses an upload past the size limit with 413 and removes a cut-off upload', async () => {
    const small = await startAula({ AULA_MAX_UPLOAD_BYTES: '1000' });
    try {
      const s = await seedSchool(small);
      const cls = await small.api<{ id: string }>('POST', '/api/v1/live-classes', {
        body: { title: 'Big', batchId: s.batches[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 10 },
      });
      const tooBig = await small.api<ErrorBody>('POST', `/api/v1/live-classes/${cls.body.id}/uploads`, { rawBody: Buffer.alloc(5000), headers: { 'content-type': 'video/mp4' } });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.message).toMatch(/limit/);

      // Announce 900 bytes, send 100, then hang up.
      const net = await import('node:net');
      const url = new URL(small.url);
      await new Promise<void>((resolve) => {
        const sock = net.connect(Number(url.port), url.hostname, () => {
          sock.write(`POST /api/v1/live-classes/${cls.body.id}/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-admin-key-0123456789abcdef\r\nContent-Type: video/mp4\r\nContent-Length: 900\r\n\r\n`);
          sock.write(Buffer.alloc(100));
          setTimeout(() => sock.destroy(), 300);
        });
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
      });
      const { readdir } = await import('node:fs/promises');
      // The aborted upload's partial file is removed once the server sees the connection gone.
      await waitFor('the partial upload to be removed', async () => (await readdir(path.join(small.dataDir, 'tmp', 'uploads')).catch(() => [])).length === 0, 5_000);
      const recs = await small.api<{ items: unknown[] }>('GET', `/api/v1/recordings?liveClassId=${cls.body.id}`);
      expect(recs.body.items).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('soft-deletes at once for students, restores, and purges media after the retention period', async () => {
    const cls = await schedule(0, 'To delete');
    const rec = await upload(cls, '2026-02-01T10:00:00Z');
    await waitForStatus(t, rec.id, ['ready']);
    const s1 = school.batches[0]!.students[0]!.token;
    const visible = async () => (await t.api<{ items: Recording[] }>('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings?limit=200`, { token: s1 })).body.items.some((r) => r.id === rec.id);
    expect(await visible()).toBe(true);
    expect((await t.api('DELETE', `/api/v1/recordings/${rec.id}`, { token: school.batches[0]!.instructor.token })).status).toBe(403);
    const del = await t.api<Recording>('DELETE', `/api/v1/recordings/${rec.id}`);
    expect(del.body.status).toBe('deleted');
    expect(await visible()).toBe(false);
    expect((await t.api('GET', `/api/v1/recordings/${rec.id}`, { token: s1 })).status).toBe(404);
    const restored = await t.api<Recording>('POST', `/api/v1/recordings/${rec.id}/restore`);
    expect(restored.body.status).toBe('ready');
    expect(await visible()).toBe(true);
    const restoreAgain = await t.api<ErrorBody>('POST', `/api/v1/recordings/${rec.id}/restore`);
    expect(restoreAgain.status).toBe(409);
  });
});
