/**
 * Mail and webhook throughput through Aula's outbox, next to a baseline measured in the same run:
 * - mails: a recording becomes ready in a batch of 500 students (+1 instructor); seconds from the state change to the
 *   last mail accepted by a local SMTP server, vs nodemailer alone sending the same number of mails to it;
 * - webhooks: 50 classes start with 10 endpoints registered (500 signed deliveries, each verified by the receiver),
 *   vs the same number of signed POSTs sent straight to the receiver at the same concurrency.
 * Usage: npx tsx bench/notifications.ts [--students 500] [--classes 50] [--endpoints 10]
 */
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import nodemailer from 'nodemailer';
import { newWebhookSecret, webhookHeaders } from '../src/domain/notifications/standard-webhooks';
import { startSmtpServer, startWebhookReceiver } from '../test/support/emulators/mail-and-webhooks';
import { makeTestVideo } from '../test/support/media';
import { apiJson, BENCH_ADMIN_KEY, startAulaProcess } from './support';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const STUDENTS = arg('students', 500);
const CLASSES = arg('classes', 50);
const ENDPOINTS = arg('endpoints', 10);

async function until(fn: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main() {
  const smtp = await startSmtpServer();
  let currentSecret = '';
  // Every endpoint signs with its own secret; the receiver verifies each delivery against the one its URL names.
  let endpointSecrets: string[] = [];
  const receiver = await startWebhookReceiver((url) => {
    const e = new URL(url, 'http://receiver').searchParams.get('e');
    return e === null ? currentSecret : (endpointSecrets[Number(e)] ?? '');
  });

  // ---- baseline: nodemailer alone, the same pool size as Aula's
  const mails = STUDENTS + 1;
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: Number(new URL(smtp.url).port), secure: false, pool: true, maxConnections: 4, maxMessages: 1000 });
  let t0 = performance.now();
  await parallel(Array.from({ length: mails }, (_, i) => i), 4, (i) => transport.sendMail({ from: 'bench@school.test', to: `base${i}@school.test`, subject: 'Baseline', text: 'x'.repeat(800), html: `<p>${'x'.repeat(3000)}</p>` }));
  const baseMailSeconds = (performance.now() - t0) / 1000;
  transport.close();
  smtp.accepted.length = 0;

  // ---- baseline: signed POSTs straight to the receiver
  const deliveries = CLASSES * ENDPOINTS;
  currentSecret = newWebhookSecret();
  const agent = new http.Agent({ keepAlive: false });
  const receiverUrl = new URL(receiver.url);
  t0 = performance.now();
  await parallel(Array.from({ length: deliveries }, (_, i) => i), 8, (i) => new Promise<void>((resolve) => {
    const body = JSON.stringify({ type: 'live_class.started', timestamp: new Date().toISOString(), data: { liveClassId: `c${i}` } });
    const headers = webhookHeaders([currentSecret], `msg_base${i}`, Math.floor(Date.now() / 1000), body);
    const req = http.request({ host: receiverUrl.hostname, port: receiverUrl.port, path: receiverUrl.pathname, method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.end(body);
  }));
  const baseHookSeconds = (performance.now() - t0) / 1000;
  receiver.received.length = 0;

  const aula = await startAulaProcess({ SMTP_URL: smtp.url, AULA_MAIL_FROM: 'aula@school.test', AULA_WEBHOOK_ALLOW_PRIVATE: '1', LOG_LEVEL: 'warn' });
  const A = `${aula.url}/api/v1`;
  try {
    // ---- a batch of 500 students
    const course = await apiJson<{ id: string }>(`${A}/courses`, 'POST', { title: 'Bench' });
    const batch = await apiJson<{ id: string }>(`${A}/batches`, 'POST', { name: 'Big batch', courseIds: [course.id] });
    const instructor = await apiJson<{ id: string }>(`${A}/users`, 'POST', { email: 'teacher@school.test', name: 'Teacher', role: 'instructor', password: 'a-long-password' });
    await apiJson(`${A}/batches/${batch.id}/instructors`, 'POST', { userId: instructor.id });
    await parallel(Array.from({ length: STUDENTS }, (_, i) => i), 8, async (i) => {
      const u = await apiJson<{ id: string }>(`${A}/users`, 'POST', { email: `s${i}@school.test`, name: `Student ${i}`, role: 'student' });
      await apiJson(`${A}/batches/${batch.id}/students`, 'POST', { userId: u.id });
    });
    const cls = await apiJson<{ id: string }>(`${A}/live-classes`, 'POST', { title: 'Bench class', batchId: batch.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5 });
    const file = await makeTestVideo(path.join(aula.dataDir, 'v.mp4'), { seconds: 3 });
    const res = await fetch(`${A}/live-classes/${cls.id}/uploads?filename=v.mp4`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'video/mp4' }, body: new Uint8Array(readFileSync(file)) });
    const rec = (await res.json()) as { id: string };
    await until(() => smtp.accepted.length >= mails, 300_000, 'mails');
    const mailDoneAt = Date.now();
    const db = new SQLite(path.join(aula.dataDir, 'aula.db'), { readonly: true });
    const readyAt = Date.parse((db.prepare("select at from recording_events where recording_id = ? and to_status = 'ready'").get(rec.id) as { at: string }).at);
    db.close();
    const aulaMailSeconds = (mailDoneAt - readyAt) / 1000;

    // ---- webhooks: 10 endpoints, 50 classes started
    endpointSecrets = [];
    for (let i = 0; i < ENDPOINTS; i++) endpointSecrets.push((await apiJson<{ secret: string }>(`${A}/webhook-endpoints`, 'POST', { url: `${receiver.url}?e=${i}`, eventTypes: ['live_class.started'] })).secret);
    const classIds: string[] = [];
    for (let i = 0; i < CLASSES; i++) classIds.push((await apiJson<{ id: string }>(`${A}/live-classes`, 'POST', { title: `C${i}`, batchId: batch.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5, autoRecord: false })).id);
    const hooksStart = performance.now();
    await parallel(classIds, 4, (id) => apiJson(`${A}/live-classes/${id}/start`, 'POST', {}));
    await until(() => receiver.received.length + receiver.rejected.length >= deliveries, 300_000, 'webhooks');
    const aulaHookSeconds = (performance.now() - hooksStart) / 1000;

    const row = (name: string, n: number, s: number) => console.log(`${name.padEnd(58)} ${String(n).padStart(5)} in ${s.toFixed(2).padStart(6)} s = ${(n / s).toFixed(0).padStart(5)} /s`);
    console.log(`mails for one recording in a batch of ${STUDENTS} students (+1 instructor), local SMTP server`);
    row('  nodemailer alone, pool of 4 (baseline)', mails, baseMailSeconds);
    row('  Aula: ready → outbox → fan-out → last mail accepted', mails, aulaMailSeconds);
    console.log(`  ratio Aula/baseline: ${((mails / aulaMailSeconds) / (mails / baseMailSeconds)).toFixed(2)} of the baseline's throughput`);
    console.log(`webhook deliveries: ${CLASSES} classes started × ${ENDPOINTS} endpoints, each delivery verified with standardwebhooks`);
    row('  signed POSTs straight to the receiver, 8 at once (baseline)', deliveries, baseHookSeconds);
    row('  Aula: start → outbox → fan-out → delivered', deliveries, aulaHookSeconds);
    console.log(`  ratio Aula/baseline: ${((deliveries / aulaHookSeconds) / (deliveries / baseHookSeconds)).toFixed(2)} of the baseline's throughput; rejected signatures: ${receiver.rejected.length}`);
  } finally {
    await aula.stop();
    await smtp.close();
    await receiver.close();
    rmSync(aula.dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
