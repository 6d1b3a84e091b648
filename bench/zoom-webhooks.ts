/**
 * Zoom webhooks under load: distinct signed `recording.completed` events plus 10 % resends, at a fixed concurrency,
 * against Aula in its own process (SQLite, the import jobs running meanwhile) and against a bare receiver that only
 * checks the signature, measured in the same run. Zoom wants an answer within 3 s.
 * Usage: npx tsx bench/zoom-webhooks.ts [--events 2000] [--concurrency 16] [--seconds 20] [--cpu-prof <dir>]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { makeTestVideo } from '../test/support/media';
import { signZoomBody, ZoomEmulator, type ZoomWebhookEvent } from '../test/support/zoom-emulator';
import { apiJson, startAulaProcess } from './support';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const EVENTS = Math.min(arg('events', 2000), 20_000);
const CONCURRENCY = arg('concurrency', 16);
const SECONDS = arg('seconds', 20);
const DUPLICATE_SHARE = 0.1;
const CLASSES = 20;
const SECRET = 'bench-webhook-secret-token';
const account = { accountId: 'bench-zoom-account', clientId: 'bench-client', clientSecret: 'bench-client-secret' };

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.end(body);
  });
}

function signedHeaders(body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return { 'content-type': 'application/json; charset=utf-8', 'x-zm-request-timestamp': String(ts), 'x-zm-signature': signZoomBody(SECRET, ts, body), 'user-agent': 'Zoom Marketplace/1.0a' };
}

interface RunResult {
  sent: number;
  accepted: number;
  duplicates: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
}

/** Sends the bodies in order at a fixed concurrency until done or the deadline. */
async function run(url: string, bodies: string[]): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let accepted = 0;
  let duplicates = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const body = bodies[next++]!;
        const t0 = performance.now();
        const res = await post(url, body, signedHeaders(body));
        latencies.push(performance.now() - t0);
        if (res.status !== 200) errors++;
        else if (res.text.includes('"duplicate":true')) duplicates++;
        else accepted++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { sent: latencies.length, accepted, duplicates, errors, seconds, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? 0 };
}

/** The least a Zoom webhook receiver must do: read the raw body, check the HMAC, answer 200. */
const BARE_RECEIVER = `
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
const secret = process.env.SECRET;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ts = req.headers['x-zm-request-timestamp'];
    const expected = Buffer.from('v0=' + createHmac('sha256', secret).update('v0:' + ts + ':').update(body).digest('hex'));
    const given = Buffer.from(String(req.headers['x-zm-signature'] ?? ''));
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    JSON.parse(body.toString('utf8'));
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"received":true}' : '{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startBareReceiver() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE_RECEIVER], { env: { ...process.env, SECRET }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { url: `http://127.0.0.1:${port}/webhooks/zoom`, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

function describeRun(name: string, r: RunResult): string {
  return `${name.padEnd(24)} ${(r.sent / r.seconds).toFixed(0).padStart(6)} acks/s  ${(r.accepted / r.seconds).toFixed(0).padStart(6)} accepted/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   max ${r.max.toFixed(1).padStart(7)} ms   (${r.sent} sent in ${r.seconds.toFixed(1)} s: ${r.accepted} accepted, ${r.duplicates} duplicates, ${r.errors} errors)`;
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'aula-bench-zoom-'));
  const zoom = await new ZoomEmulator(account).start();
  const video = await makeTestVideo(path.join(work, 'segment.mp4'), { seconds: 1, width: 160, height: 90 });
  const profDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;
  const aula = await startAulaProcess({ ZOOM_API_BASE: zoom.apiBase, ZOOM_OAUTH_BASE: zoom.oauthBase }, profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []);
  const bare = await startBareReceiver();
  try {
    const api = (p: string, method: string, body?: unknown) => apiJson<{ id: string; providerMeetingId: string }>(`${aula.url}${p}`, method, body);
    const acct = await api('/api/v1/providers/zoom/accounts', 'POST', { name: 'Bench Zoom', ...account, webhookSecretToken: SECRET });
    const course = await api('/api/v1/courses', 'POST', { title: 'Bench course' });
    const chapter = await api(`/api/v1/courses/${course.id}/chapters`, 'POST', { title: 'Chapter' });
    const lesson = await api(`/api/v1/chapters/${chapter.id}/lessons`, 'POST', { title: 'Lesson' });
    const batch = await api('/api/v1/batches', 'POST', { name: 'Bench batch', courseIds: [course.id] });
    const meetings: string[] = [];
    for (let i = 0; i < CLASSES; i++) {
      const cls = await api('/api/v1/live-classes', 'POST', {
        title: `Class ${i + 1}`, batchId: batch.id, lessonId: lesson.id, provider: 'zoom', providerAccountId: acct.id, startsAt: `${new Date().getUTCFullYear() + 1}-03-01T10:00:00Z`, durationMinutes: 60,
      });
      meetings.push(cls.providerMeetingId);
    }

    // Distinct events: a new meeting instance each, one segment (every tenth has two), with its chat.
    const distinct: string[] = [];
    let segments = 0;
    for (let i = 0; i < EVENTS; i++) {
      const start = new Date(Date.UTC(2026, 2, 1, 10) + i * 60_000);
      const iso = (ms: number) => new Date(start.getTime() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const files = [
        { file_type: 'MP4' as const, recording_start: iso(0), recording_end: iso(30_000), path: video },
        { file_type: 'CHAT' as const, recording_start: iso(0), recording_end: iso(30_000), text: '00:00:01\t Ana:\t hello\n' },
      ];
      if (i % 10 === 0) files.push({ file_type: 'MP4', recording_start: iso(40_000), recording_end: iso(50_000), path: video });
      segments += i % 10 === 0 ? 2 : 1;
      const rec = zoom.addRecording(meetings[i % CLASSES]!, { uuid: randomBytes(16).toString('base64'), start_time: iso(0), files });
      const event: ZoomWebhookEvent = zoom.recordingCompletedEvent(rec.uuid, { eventTs: start.getTime() + i });
      distinct.push(JSON.stringify(event));
    }
    // Resends of events already in the stream, interleaved: 10 % of all sends.
    const bodies: string[] = [];
    const resends = Math.round(EVENTS * DUPLICATE_SHARE);
    const resendAt = new Set(Array.from({ length: resends }, (_, k) => Math.floor(((k + 1) * EVENTS) / (resends + 1))));
    for (let i = 0; i < distinct.length; i++) {
      bodies.push(distinct[i]!);
      if (resendAt.has(i)) bodies.push(distinct[Math.floor(Math.random() * (i + 1))]!);
    }

    console.log(`${EVENTS} distinct recording.completed events (${segments} segments) + ${resends} resends, concurrency ${CONCURRENCY}, at most ${SECONDS} s each`);
    const base = await run(bare.url, bodies);
    console.log(describeRun('bare HMAC receiver', base));
    const real = await run(`${aula.url}/webhooks/zoom/${acct.id}`, bodies);
    console.log(describeRun('Aula /webhooks/zoom', real));
    console.log(`ratio Aula/baseline: ${(real.sent / real.seconds / (base.sent / base.seconds)).toFixed(2)} of the baseline's ack rate, p99 ${(real.p99 / base.p99).toFixed(1)}× the baseline's`);
    const prefix = bodies.slice(0, real.sent);
    const distinctSent = new Set(prefix).size;
    console.log(`duplicates detected: ${real.duplicates} of ${prefix.length - distinctSent} resends; ${real.accepted} of ${distinctSent} distinct events accepted once`);
    console.log(`max ack latency ${real.max.toFixed(0)} ms: ${real.max < 3000 ? 'within' : 'OVER'} Zoom's 3 s`);
  } finally {
    await bare.stop();
    await aula.stop();
    await zoom.close();
  }
  // What the queue holds afterwards: one import job per segment, however often an event came.
  const db = new SQLite(path.join(aula.dataDir, 'aula.db'), { readonly: true });
  const deliveries = (db.prepare(`select count(*) as n from provider_inbox where provider = 'zoom'`).get() as { n: number }).n;
  const jobs = db.prepare(`select status, count(*) as n from jobs where name = 'zoom.import-recording' group by status`).all() as { status: string; n: number }[];
  const recordings = (db.prepare(`select count(*) as n from recordings where source = 'zoom'`).get() as { n: number }).n;
  db.close();
  const totalJobs = jobs.reduce((n, j) => n + j.n, 0);
  console.log(`afterwards: ${deliveries} deliveries remembered, ${totalJobs} import jobs (${jobs.map((j) => `${j.n} ${j.status}`).join(', ')}), ${recordings} recordings imported while the load ran`);
  rmSync(aula.dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
