/**
 * Cloudflare import: seconds from Stream's "ready" webhook to a playable Aula recording, for a live input broadcast of
 * N minutes in import storage, next to the same MP4 uploaded straight into Aula (the pipeline alone) in the same run.
 * Prints the Cloudflare emulator's request log for the whole class too.
 *
 *   npx tsx bench/cloudflare-import.ts [--minutes 10]
 *
 * Cloudflare is the local emulator (real FFmpeg media, signed webhooks); Aula runs as its own process.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudflareEmulator } from '../test/support/emulators/cloudflare-emulator';
import { apiJson, BENCH_ADMIN_KEY, startAulaProcess } from './support';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rec { id: string; status: string; durationSeconds: number | null; progress: { stage: string } | null }

async function main(): Promise<void> {
  const minutes = Number(option('minutes', '10'));
  const accountId = '0123456789abcdef0123456789abcdef';
  const secrets = { apiToken: 'bench-cf-token-0123456789abcdef', streamWebhookSecret: 'bench-stream-secret', notificationSecret: 'bench-notify-secret' };
  const cf = await new CloudflareEmulator({ accountId, appId: 'bench-app', ...secrets, mediaSeconds: minutes * 60 }).start();
  const aula = await startAulaProcess({ LOG_LEVEL: 'error', CLOUDFLARE_API_BASE: cf.apiBase, CLOUDFLARE_REALTIMEKIT_KEYS_URL: cf.keysUrl, AULA_CLOUDFLARE_POLL_SECONDS: '1' });
  const api = <T>(method: string, p: string, body?: unknown) => apiJson<T>(aula.url + p, method, body);
  const untilReady = async (id: string, from: number) => {
    for (;;) {
      const r = await api<Rec>('GET', `/api/v1/recordings/${id}`);
      if (r.status === 'ready') return (Date.now() - from) / 1000;
      if (r.status === 'failed' || Date.now() - from > 30 * 60_000) throw new Error(`recording ${id} is ${r.status}`);
      await sleep(50);
    }
  };
  try {
    const batch = await api<{ id: string }>('POST', '/api/v1/batches', { name: 'Bench batch', courseIds: [] });
    const account = await api<{ id: string; webhookUrl: string }>('POST', '/api/v1/providers/cloudflare/accounts', { name: 'Bench', accountId, ...secrets });
    cf.webhookUrl = account.webhookUrl;
    const cls = await api<{ id: string; providerMeetingId: string }>('POST', '/api/v1/live-classes', {
      title: `${minutes}-minute broadcast`, batchId: batch.id, provider: 'cloudflare', providerAccountId: account.id, providerOptions: { mode: 'stream' }, startsAt: new Date().toISOString(), durationMinutes: minutes,
    });
    await cf.connect(cls.providerMeetingId);
    const videoUid = await cf.disconnect(cls.providerMeetingId);
    process.stdout.write(`making ${minutes} minutes of media in the emulator…`);
    let readyAt = 0;
    while (!readyAt) {
      const hook = cf.webhooks.find((w) => w.about === `video ${videoUid} ready` && w.status !== undefined);
      if (hook) readyAt = Date.now();
      else await sleep(20);
    }
    let recId: string | undefined;
    while (!recId) {
      recId = (await api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${cls.id}`)).items[0]?.id;
      if (!recId) await sleep(50);
    }
    const importSeconds = await untilReady(recId, readyAt);
    process.stdout.write(' done\n');

    // The import's ladder runs on after it is playable; the baseline starts on an idle queue.
    const idleFrom = Date.now();
    while ((await api<Rec>('GET', `/api/v1/recordings/${recId}`)).progress?.stage !== 'done') {
      if (Date.now() - idleFrom > 30 * 60_000) throw new Error('the imported recording\'s pipeline did not finish');
      await sleep(500);
    }
    // Baseline: the same MP4 uploaded into Aula directly: only the pipeline's time to its first playable rendition.
    const mp4 = await readFile(path.join(cf.videos.get(videoUid)!.dir!, 'default.mp4'));
    const uploadFrom = Date.now();
    const res = await fetch(`${aula.url}/api/v1/live-classes/${cls.id}/uploads?filename=same.mp4`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'video/mp4' }, body: mp4 });
    const uploaded = (await res.json()) as Rec;
    const uploadSeconds = await untilReady(uploaded.id, uploadFrom);

    console.log('');
    console.log(`video: ${minutes} min, ${(mp4.length / 1e6).toFixed(1)} MB H.264/AAC`);
    console.log(`Cloudflare import: ready webhook → playable   ${importSeconds.toFixed(2)} s`);
    console.log(`baseline: same MP4 uploaded → playable        ${uploadSeconds.toFixed(2)} s (upload request included)`);
    console.log(`import overhead (MP4 request + poll + download) ${(importSeconds - uploadSeconds).toFixed(2)} s`);
    console.log('');
    console.log('Cloudflare emulator request log for the class:');
    const t0 = cf.requests[0]?.at ?? Date.now();
    for (const r of cf.requests) console.log(`  +${((r.at - t0) / 1000).toFixed(2).padStart(7)} s  ${r.method.padEnd(6)} ${r.path} → ${r.status}`);
    console.log('webhooks sent:');
    for (const w of cf.webhooks) console.log(`  ${w.kind.padEnd(12)} ${w.about} → ${w.status ?? 'not sent'}`);
  } finally {
    await aula.stop();
    await cf.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
