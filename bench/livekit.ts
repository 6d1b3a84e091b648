/**
 * LiveKit: seconds from `egress_ended` to a playable master for 10 and 60 minute egress recordings, next to the media
 * pipeline's time to first playable for the same MP4 uploaded into a class (measured in the same run); then verified
 * LiveKit webhooks acknowledged per second, next to a bare receiver that only checks the signature.
 * Usage: npx tsx bench/livekit.ts [--minutes 10,60] [--events 2000] [--concurrency 16]
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AccessToken } from 'livekit-server-sdk';
import { verifyLiveKitWebhook } from '../src/domain/providers/livekit/webhook';
import { LiveKitEmulator } from '../test/support/emulators/livekit-emulator';
import { apiJson, BENCH_ADMIN_KEY, startAulaProcess } from './support';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const MINUTES = arg('minutes', '10,60').split(',').map(Number).filter((m) => m > 0 && m <= 120);
const EVENTS = Math.min(Number(arg('events', '2000')), 20_000);
const CONCURRENCY = Number(arg('concurrency', '16'));
const apiKey = 'APIbench';
const apiSecret = 'livekit-bench-secret-0123456789abcdefghij';
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function signed(body: string): Promise<string> {
  const token = new AccessToken(apiKey, apiSecret, { ttl: 600 });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

/** Sends every body once at a fixed concurrency; returns acks per second and latency percentiles. */
async function blast(url: string, bodies: string[], auth: string[]): Promise<{ rps: number; p50: number; p99: number; ok: number }> {
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const t0 = performance.now();
      const status = await post(url, bodies[i]!, { 'content-type': 'application/webhook+json', authorization: auth[i]! });
      latencies.push(performance.now() - t0);
      if (status === 200) ok++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: bodies.length / seconds, p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, ok };
}

async function main() {
  const egressDir = await mkdtemp(path.join(os.tmpdir(), 'aula-bench-egress-'));
  const lk = await new LiveKitEmulator({ apiKey, apiSecret, localOutputDir: egressDir, mountPath: egressDir, activationDelayMs: 100 }).start();
  const aula = await startAulaProcess({ AULA_LIVEKIT_RECONCILE_SECONDS: '3600', LOG_LEVEL: 'warn' });
  // The baseline runs in its own process, so its upload does not queue behind the ladder Aula makes of the egress.
  const plain = await startAulaProcess({ LOG_LEVEL: 'warn' });
  const api = `${aula.url}/api/v1`;
  const plainApi = `${plain.url}/api/v1`;
  try {
    const account = await apiJson<{ id: string; webhookUrl: string }>(`${api}/providers/livekit/accounts`, 'POST', { name: 'Bench', serverUrl: lk.wsUrl, apiKey, apiSecret, egress: { storage: 'directory', directory: egressDir } });
    lk.setWebhookUrl(account.webhookUrl);
    const course = await apiJson<{ id: string }>(`${api}/courses`, 'POST', { title: 'Bench course' });
    const batch = await apiJson<{ id: string }>(`${api}/batches`, 'POST', { name: 'Bench batch', courseIds: [course.id] });
    const plainCourse = await apiJson<{ id: string }>(`${plainApi}/courses`, 'POST', { title: 'Baseline course' });
    const plainBatch = await apiJson<{ id: string }>(`${plainApi}/batches`, 'POST', { name: 'Baseline batch', courseIds: [plainCourse.id] });
    const classOf = (title: string, provider: string, base = api) => apiJson<{ id: string }>(`${base}/live-classes`, 'POST', {
      title, batchId: base === api ? batch.id : plainBatch.id, provider, ...(provider === 'livekit' && { providerAccountId: account.id }), startsAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 120,
    });
    const recordingOf = async (classId: string) => (await apiJson<{ items: { id: string; status: string }[] }>(`${api}/recordings?liveClassId=${classId}`, 'GET', undefined)).items[0] ?? null;
    /** Playable: the master and its first segment are served through a signed playback URL. */
    const playable = async (recordingId: string, base = api) => {
      const rec = await apiJson<{ status: string; processingError: string | null }>(`${base}/recordings/${recordingId}`, 'GET', undefined);
      if (rec.status === 'failed') throw new Error(`recording ${recordingId} failed: ${rec.processingError}`);
      const p = await fetch(`${base}/recordings/${recordingId}/playback`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } });
      if (!p.ok) return null;
      const { hls } = (await p.json()) as { hls: string };
      const master = await fetch(hls);
      return master.ok && (await master.text()).includes('#EXT-X-STREAM-INF') ? true : null;
    };

    console.log('minutes | egress_ended → playable (Aula, egress HLS) | same MP4 uploaded → first playable (pipeline) | stop → egress_ended (emulator making the media)');
    for (const minutes of MINUTES) {
      lk.setMediaSecondsOverride(minutes * 60);
      const cls = await classOf(`Egress ${minutes} min`, 'livekit');
      await apiJson(`${api}/live-classes/${cls.id}/start`, 'POST', {});
      const egressId = await until('the egress', async () => lk.egressIds().find((id) => (lk.egress(id) as { roomName?: string }).roomName === `aula-${cls.id}`) ?? null, 30_000);
      await lk.waitForEgressStatus(egressId, 'EGRESS_ACTIVE');
      const stoppedAt = Date.now();
      await apiJson(`${api}/live-classes/${cls.id}/end`, 'POST', {});
      const ended = await lk.waitForWebhook((w) => w.event === 'egress_ended' && w.egressId === egressId, 30 * 60_000);
      const rec = await until('the recording', () => recordingOf(cls.id), 10_000);
      await until('playable', () => playable(rec.id), 10 * 60_000);
      const aulaSeconds = (Date.now() - ended.at) / 1000;

      // Baseline: the same MP4 (which Aula took in as the recording's source) through the upload path; the pipeline's
      // fast path publishes its first rendition.
      const copy = path.join(egressDir, `upload-${minutes}.mp4`);
      await copyFile(path.join(aula.dataDir, 'media', 'recordings', rec.id, 'source', 'original.mp4'), copy);
      const upload = await classOf(`Upload ${minutes} min`, 'upload', plainApi);
      const body = await readFile(copy);
      const t0 = Date.now();
      const res = await fetch(`${plainApi}/live-classes/${upload.id}/uploads?filename=egress.mp4`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'video/mp4' }, body });
      const uploaded = (await res.json()) as { id: string };
      await until('pipeline playable', () => playable(uploaded.id, plainApi), 30 * 60_000);
      const pipelineSeconds = (Date.now() - t0) / 1000;
      console.log(`${minutes} | ${aulaSeconds.toFixed(2)} s | ${pipelineSeconds.toFixed(2)} s (upload included) | ${((ended.at - stoppedAt) / 1000).toFixed(1)} s`);
    }

    // Webhooks: distinct signed participant events for a class's room (each an attendance row), vs a bare verifier.
    const cls = await classOf('Webhook bench', 'livekit');
    const bodies = Array.from({ length: EVENTS }, (_, i) => JSON.stringify({
      event: i % 2 === 0 ? 'participant_joined' : 'participant_left', id: `EV_bench_${i}`, createdAt: String(Math.floor(Date.now() / 1000)),
      room: { sid: 'RM_bench', name: `aula-${cls.id}` }, participant: { sid: `PA_${Math.floor(i / 2)}`, identity: `user:bench-${Math.floor(i / 2)}`, name: `P${i}`, kind: 'STANDARD' },
    }));
    const auth = await Promise.all(bodies.map(signed));
    const bare = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const check = await verifyLiveKitWebhook({ apiKey, apiSecret, authorization: req.headers.authorization, rawBody: Buffer.concat(chunks), nowMs: Date.now() });
        res.statusCode = check.ok ? 200 : 401;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
    const base = await blast(bareUrl, bodies, auth);
    const real = await blast(account.webhookUrl, bodies, auth);
    bare.close();
    console.log(`bare verifier (baseline): ${base.rps.toFixed(0)} webhooks/s, p50 ${base.p50.toFixed(1)} ms, p99 ${base.p99.toFixed(1)} ms`);
    console.log(`Aula /webhooks/livekit: ${real.rps.toFixed(0)} webhooks/s acknowledged (${real.ok} of ${EVENTS} 200), p50 ${real.p50.toFixed(1)} ms, p99 ${real.p99.toFixed(1)} ms`);
    console.log(`ratio Aula/baseline: ${(real.rps / base.rps).toFixed(2)}`);
  } finally {
    await aula.stop();
    await plain.stop();
    await lk.close();
    await rm(egressDir, { recursive: true, force: true });
    await rm(aula.dataDir, { recursive: true, force: true });
    await rm(plain.dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
