import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { startSmtpServer, startWebhookReceiver, waitUntil } from './support/emulators/mail-and-webhooks';
import { makeTestVideo } from './support/media';

type Rec = { id: string; status: string };

describe('mail and webhooks when a recording becomes ready', () => {
  let t: TestAula;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let secret = '';
  let video: Buffer;
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-notify-'));
  // Addresses the mail server refuses for good, and ones it turns away once with a temporary error.
  const refused = new Set<string>();
  const busyOnce = new Set<string>();
  const attemptsTo: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer((to) => {
      attemptsTo.push(to);
      if (refused.has(to)) return { code: 550, message: '5.1.1 No such user here' };
      if (busyOnce.delete(to)) return { code: 451, message: '4.3.0 Try again later' };
      return 'accept';
    });
    receiver = await startWebhookReceiver(() => secret);
    t = await startAula({ SMTP_URL: smtp.url, AULA_MAIL_FROM: 'Aula <aula@school.test>', AULA_SCHOOL_NAME: 'Riverside School', AULA_WEBHOOK_ALLOW_PRIVATE: '1', AULA_JOB_BACKOFF_MS: '100' });
    video = readFileSync(await makeTestVideo(path.join(work, 'v.mp4'), { seconds: 3 }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await receiver?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function upload(classId: string, title: string) {
    const r = await t.api<Rec>('POST', `/api/v1/live-classes/${classId}/uploads?filename=v.mp4&title=${encodeURIComponent(title)}`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
    expect(r.status).toBe(201);
    await waitUntil(async () => (await t.api<Rec>('GET', `/api/v1/recordings/${r.body.id}`)).body.status === 'ready', 60_000, 'ready');
    return r.body.id;
  }

  it('health says mail is on; one mail to the instructor and each student and one signed recording.ready per recording; unsubscribing stops the next', async () => {
    expect((await t.api<{ mail: string }>('GET', '/health')).body.mail).toBe('on');
    const school = await seedSchool(t, { studentsPerBatch: 3 });
    const batch = school.batches[0]!;
    await t.api('PATCH', `/api/v1/lessons/${school.lessons[0]!.id}`, { body: { externalId: 'lms-lesson-7' } });
    const endpoint = await t.api<{ id: string; secret: string }>('POST', '/api/v1/webhook-endpoints', { body: { url: receiver.url, eventTypes: ['recording.ready', 'recording.failed'] } });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.secret).toMatch(/^whsec_/);
    secret = endpoint.body.secret;
    expect(JSON.stringify((await t.api('GET', `/api/v1/webhook-endpoints/${endpoint.body.id}`)).body)).not.toContain('whsec_');

    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Fractions', batchId: batch.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    const first = await upload(cls.body.id, 'Fractions part 1');
    const everyone = 4;
    await waitUntil(() => smtp.accepted.length >= everyone, 30_000, 'mails');
    await waitUntil(() => receiver.received.length >= 1, 30_000, 'webhook');
    // The rest of the ladder (renditions, poster, MP4) finishes without another mail or delivery.
    await waitUntil(async () => (await t.api<{ job: { status: string } | null }>('GET', `/api/v1/recordings/${first}`)).body.job?.status === 'done', 60_000, 'processing done');
    expect(smtp.accepted.length).toBe(everyone);
    const recipients = smtp.accepted.map((m) => m.to).sort();
    const studentEmails = batch.students.map((s) => s.email.toLowerCase());
    expect(recipients.filter((r) => studentEmails.includes(r)).length).toBe(3);
    expect(recipients.filter((r) => r.startsWith('inst-')).length).toBe(1);
    const mail = smtp.accepted.find((m) => m.to === studentEmails[0])!.parsed;
    expect(mail.subject).toContain('Fractions part 1');
    expect(mail.subject).toContain('Riverside School');
    expect(mail.text).toContain(`${t.url}/recordings/${first}`);
    expect(mail.html || '').toContain(`${t.url}/recordings/${first}`);
    expect(mail.text).toContain('Lesson 1');
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line ?? '';
    const listUnsubscribe = header('list-unsubscribe');
    const unsubscribeUrl = /<([^>]+)>/.exec(listUnsubscribe)?.[1];
    expect(unsubscribeUrl).toMatch(/\/api\/v1\/notifications\/unsubscribe\?token=/);
    expect(header('list-unsubscribe-post')).toContain('One-Click');
    expect(mail.text).toContain(unsubscribeUrl);

    expect(receiver.rejected).toEqual([]);
    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0]!;
    expect(hook.id).toMatch(/^msg_/);
    expect(hook.payload.type).toBe('recording.ready');
    expect(hook.payload.data).toMatchObject({ recordingId: first, liveClassId: cls.body.id, batchId: batch.id, lessonId: school.lessons[0]!.id, lessonExternalId: 'lms-lesson-7', status: 'ready' });
    expect(Date.parse(hook.payload.timestamp)).not.toBeNaN();

    // One click, no sign-in: the mail client's unsubscribe button (RFC 8058).
    const unsub = await fetch(unsubscribeUrl!, { method: 'POST', headers: { accept: 'application/json' } });
    expect(unsub.status).toBe(200);
    const tampered = await fetch(unsubscribeUrl!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST', headers: { accept: 'application/json' } });
    expect(tampered.status).toBe(403);
    expect((await t.api<{ email: boolean }>('GET', '/api/v1/me/notifications', { token: batch.students[0]!.token })).body.email).toBe(false);

    const second = await upload(cls.body.id, 'Fractions part 2');
    await waitUntil(() => receiver.received.length >= 2, 30_000, 'second webhook');
    await waitUntil(() => smtp.accepted.length >= everyone + 3, 30_000, 'second mails');
    const secondMails = smtp.accepted.slice(everyone);
    expect(secondMails.map((m) => m.to)).not.toContain(studentEmails[0]);
    expect(secondMails.every((m) => m.parsed.subject?.includes('part 2'))).toBe(true);
    expect(receiver.received[1]!.payload.data.recordingId).toBe(second);
  }, 180_000);

  it('a recording that fails mails its instructor and the admins with the reason; a refused address is marked and skipped, a busy server is retried', async () => {
    const school = await seedSchool(t, { studentsPerBatch: 1 });
    const batch = school.batches[0]!;
    const instructorEmail = (await t.api<{ email: string }>('GET', `/api/v1/users/${batch.instructor.id}`)).body.email.toLowerCase();
    const studentEmail = batch.students[0]!.email.toLowerCase();
    const admin = await t.api<{ id: string; email: string }>('POST', '/api/v1/users', { body: { email: `admin-${Date.now()}@example.test`, name: 'Head', role: 'admin', password: 'admin-password' } });
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Broken', batchId: batch.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    refused.add(instructorEmail);
    const before = smtp.accepted.length;
    const bad = await t.api<Rec>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=bad.mp4&title=Broken%20file`, { rawBody: Buffer.from('not a video at all'), headers: { 'content-type': 'video/mp4' } });
    await waitUntil(async () => (await t.api<Rec>('GET', `/api/v1/recordings/${bad.body.id}`)).body.status === 'failed', 60_000, 'failed');
    await waitUntil(() => smtp.accepted.slice(before).some((m) => m.to === admin.body.email.toLowerCase()), 30_000, 'failure mail');
    await waitUntil(async () => (await t.api<{ emailRefusedAt: string | null }>('GET', '/api/v1/me/notifications', { token: batch.instructor.token })).body.emailRefusedAt, 30_000, 'refusal marked');
    const failureMails = smtp.accepted.slice(before).filter((m) => m.parsed.subject?.includes('Broken file'));
    expect(failureMails.map((m) => m.to)).toContain(admin.body.email.toLowerCase());
    expect(failureMails.map((m) => m.to)).not.toContain(studentEmail);
    expect(failureMails[0]!.parsed.text).toMatch(/Reason: \S/);
    expect(failureMails[0]!.parsed.text).toContain(`${t.url}/recordings/${bad.body.id}`);

    // The refused instructor is not tried again; the student's first try meets a busy server and is retried.
    busyOnce.add(studentEmail);
    const triesToInstructor = attemptsTo.filter((a) => a === instructorEmail).length;
    const good = await upload(cls.body.id, 'Working file');
    await waitUntil(() => smtp.accepted.some((m) => m.to === studentEmail && m.parsed.subject?.includes('Working file')), 30_000, 'retried mail');
    expect(attemptsTo.filter((a) => a === studentEmail).length).toBe(2);
    expect(attemptsTo.filter((a) => a === instructorEmail).length).toBe(triesToInstructor);
    expect(smtp.accepted.filter((m) => m.parsed.subject?.includes('Working file')).map((m) => m.to)).toEqual([studentEmail]);
    void good;
  }, 120_000);
});
