import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, freePort } from './support/aula';
import { startSmtpServer, startWebhookReceiver, waitUntil } from './support/emulators/mail-and-webhooks';
import { makeTestVideo } from './support/media';

describe('notifications across a crash', () => {
  it('killing Aula (SIGKILL) after the recording became ready but before mail and webhook were answered delivers each exactly once after restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aula-notify-crash-'));
    // Until the crash, the mail server and the LMS take every delivery in and never answer it.
    let holding = true;
    const smtp = await startSmtpServer(() => (holding ? 'hold' : 'accept'));
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret, () => (holding ? 'hold' : 200));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env, AULA_DATA_DIR: dataDir, PORT: String(port), AULA_DEMO: '0', AULA_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn',
        SMTP_URL: smtp.url, AULA_MAIL_FROM: 'aula@school.test', AULA_WEBHOOK_ALLOW_PRIVATE: '1',
      },
      stdio: process.env.TEST_CHILD_LOGS ? 'inherit' : 'ignore',
    });
    const api = async <T>(method: string, p: string, body?: unknown, raw?: Buffer): Promise<T> => {
      const res = await fetch(url + p, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': raw ? 'video/mp4' : 'application/json' }, body: raw ? new Uint8Array(raw) : body === undefined ? undefined : JSON.stringify(body) });
      return (await res.json()) as T;
    };
    const healthy = () => waitUntil(async () => (await fetch(`${url}/health`).catch(() => null))?.ok, 60_000, 'health');
    let child = start();
    try {
      await healthy();
      secret = (await api<{ secret: string }>('POST', '/api/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['recording.ready'] })).secret;
      const course = await api<{ id: string }>('POST', '/api/v1/courses', { title: 'C' });
      const batch = await api<{ id: string }>('POST', '/api/v1/batches', { name: 'B', courseIds: [course.id] });
      const people: string[] = [];
      for (let i = 0; i < 6; i++) {
        const u = await api<{ id: string; email: string }>('POST', '/api/v1/users', { email: `p${i}@school.test`, name: `P${i}`, role: i === 0 ? 'instructor' : 'student', password: 'a-long-password' });
        await api('POST', `/api/v1/batches/${batch.id}/${i === 0 ? 'instructors' : 'students'}`, { userId: u.id });
        people.push(u.email);
      }
      const cls = await api<{ id: string }>('POST', '/api/v1/live-classes', { title: 'Crash', batchId: batch.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5 });
      const video = readFileSync(await makeTestVideo(path.join(dataDir, 'v.mp4'), { seconds: 3 }));
      const rec = await api<{ id: string }>('POST', `/api/v1/live-classes/${cls.id}/uploads?filename=v.mp4`, undefined, video);

      // The state change is committed and sending has begun (held, unanswered) when Aula dies.
      await waitUntil(() => smtp.held.length > 0 && receiver.received.length === 0 && receiverHeld(), 60_000, 'sends in flight').catch((err: Error) => {
        throw new Error(`${err.message}: held mails ${smtp.held.length}, webhook requests ${receiver.requests}, answered ${receiver.received.length}`);
      });
      const db = new Database(path.join(dataDir, 'aula.db'), { readonly: true });
      const readyEvents = db.prepare("select count(*) n from recording_events where recording_id = ? and to_status = 'ready'").get(rec.id) as { n: number };
      db.close();
      expect(readyEvents.n).toBe(1);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      holding = false;

      child = start();
      await healthy();
      await waitUntil(() => smtp.accepted.length >= people.length && receiver.received.length >= 1, 60_000, 'deliveries after restart');
      // Nothing more arrives once the outbox is drained.
      await waitUntil(() => {
        const check = new Database(path.join(dataDir, 'aula.db'), { readonly: true });
        try {
          const open = check.prepare("select (select count(*) from email_deliveries where status in ('pending','sending')) + (select count(*) from webhook_messages where status in ('pending','sending')) + (select count(*) from outbox_events where dispatched_at is null) n").get() as { n: number };
          return open.n === 0;
        } finally {
          check.close();
        }
      }, 30_000, 'outbox drained');
      expect(smtp.accepted.map((m) => m.to).sort()).toEqual([...people].sort());
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.payload).toMatchObject({ type: 'recording.ready', data: { recordingId: rec.id } });
      expect(receiver.rejected).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await smtp.close();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }

    function receiverHeld() {
      return heldWebhooks(receiver) > 0;
    }
  }, 180_000);
});

/** Deliveries the receiver took in without answering: counted from its request total. */
function heldWebhooks(receiver: { received: unknown[]; requests?: number }): number {
  return (receiver.requests ?? 0) - receiver.received.length;
}
