/**
 * A native class's watch-only audience on one Aula process: simulated HLS viewers, each fetching the live playlist
 * and the newest 2 s segment every 2 s (a player's cadence), for 100, 1,000 and 5,000 viewers; with no cache in front,
 * next to Debian's nginx serving the same files from disk as the baseline; then through an nginx proxy_cache in front
 * of Aula, counting the requests that reach Aula per segment and per second of playlist.
 * Usage: npm run bench:audience [-- --seconds 10 --viewers 100,1000,5000]
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { seedLessonForStudent } from './api';
import { apiJson, get, startAulaProcess } from './support';

const run = promisify(execFile);
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const seconds = Number(arg('--seconds')) || 10;
const viewerCounts = (arg('--viewers') ?? '100,1000,5000').split(',').map(Number);
const CADENCE_MS = 2_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

interface Fetched {
  ok: boolean;
  ms: number;
  bytes: number;
}

function fetchOnce(url: string): Promise<Fetched> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: performance.now() - t0, bytes }));
    });
    req.on('error', () => resolve({ ok: false, ms: performance.now() - t0, bytes: 0 }));
  });
}

/** `viewers` players, each at a random phase, every 2 s: the playlist, then the segment the live edge is at. */
async function simulateViewers(base: string, segments: string[], viewers: number, durationMs: number) {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let late = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const viewer = async (phase: number) => {
    await new Promise((r) => setTimeout(r, phase));
    for (let tick = 0; ; tick++) {
      const due = started + phase + tick * CADENCE_MS;
      if (due >= deadline) return;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else if (tick > 0) late++;
      const edge = Math.floor((performance.now() - started) / CADENCE_MS) % segments.length;
      for (const url of [`${base}index.m3u8`, base + segments[edge]!]) {
        const r = await fetchOnce(url);
        latencies.push(r.ms);
        bytes += r.bytes;
        if (!r.ok) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: viewers }, () => viewer(Math.random() * CADENCE_MS)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const offered = (viewers * 2 * 1000) / CADENCE_MS;
  return { rps: latencies.length / elapsed, offered, p50: pct(50), p99: pct(99), errors, late, mbps: (bytes * 8) / elapsed / 1e6 };
}

function line(name: string, r: Awaited<ReturnType<typeof simulateViewers>>): string {
  return `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} req/s of ${r.offered.toFixed(0).padStart(5)} offered   p50 ${r.p50.toFixed(1).padStart(7)} ms   p99 ${r.p99.toFixed(1).padStart(8)} ms   ${r.mbps.toFixed(0).padStart(5)} Mbit/s   errors ${r.errors}   late ticks ${r.late}`;
}

async function main() {
  const aula = await startAulaProcess();
  let nginx: ReturnType<typeof spawn> | null = null;
  try {
    const { batchId, lessonId, token } = await seedLessonForStudent(aula.url);
    const cls = await apiJson<{ id: string }>(`${aula.url}/api/v1/live-classes`, 'POST', { title: 'Bench lecture', batchId, lessonId, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord: true });
    await apiJson(`${aula.url}/api/v1/live-classes/${cls.id}/start`, 'POST', {});
    const stream = await apiJson<{ recordingId: string; url: string }>(`${aula.url}/api/v1/live-classes/${cls.id}/audience`, 'GET', undefined, token);

    // The files a live recording has after 30 s: 2 s segments of 720p lecture video, written where the recorder writes.
    const hlsDir = path.join(aula.dataDir, 'media', 'recordings', stream.recordingId, 'hls');
    mkdirSync(path.join(hlsDir, '720p'), { recursive: true });
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=30', '-f', 'lavfi', '-i', 'sine=duration=30',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '1200k', '-maxrate', '1400k', '-bufsize', '2800k', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
      '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_playlist_type', 'event', '-hls_segment_filename', path.join(hlsDir, '720p', 'seg_%05d.ts'), path.join(hlsDir, '720p', 'index.m3u8')]);
    writeFileSync(path.join(hlsDir, 'master.m3u8'), '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=1280x720\n720p/index.m3u8\n');
    const segments = readdirSync(path.join(hlsDir, '720p')).filter((f) => f.endsWith('.ts')).sort();
    const avg = segments.reduce((a, s) => a + statSync(path.join(hlsDir, '720p', s)).size, 0) / segments.length;
    console.log(`${segments.length} live segments of 2 s, ${(avg / 1024).toFixed(0)} KiB on average; each viewer: playlist + segment every 2 s; ${seconds} s per run`);

    const port = 41000 + Math.floor(Math.random() * 10000);
    const cachePort = port + 1;
    const aulaPort = new URL(aula.url).port;
    const conf = path.join(aula.dataDir, 'nginx');
    mkdirSync(path.join(conf, 'cache'), { recursive: true });
    writeFileSync(path.join(conf, 'nginx.conf'), `${process.getuid?.() === 0 ? 'user root;' : ''} worker_processes 1; daemon off; pid ${conf}/nginx.pid; error_log ${conf}/error.log;
events { worker_connections 8192; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; types { video/mp2t ts; application/vnd.apple.mpegurl m3u8; }
  client_body_temp_path ${conf}/body; proxy_temp_path ${conf}/proxy; fastcgi_temp_path ${conf}/fcgi; uwsgi_temp_path ${conf}/uwsgi; scgi_temp_path ${conf}/scgi;
  server { listen 127.0.0.1:${port}; root ${path.join(aula.dataDir, 'media')}; }
  # A cache in front of Aula that follows Aula's Cache-Control, one request to Aula per missing file however many ask.
  upstream aula { server 127.0.0.1:${aulaPort}; keepalive 32; }
  proxy_cache_path ${conf}/cache levels=1:2 keys_zone=live:10m max_size=1g inactive=10m use_temp_path=off;
  log_format origin '$upstream_cache_status $uri';
  server { listen 127.0.0.1:${cachePort}; access_log ${conf}/origin.log origin;
    location / { proxy_pass http://aula; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_cache live; proxy_cache_lock on; proxy_cache_use_stale updating; } } }
`);
    nginx = spawn('nginx', ['-c', path.join(conf, 'nginx.conf'), '-p', conf], { stdio: 'ignore' });
    const nginxBase = `http://127.0.0.1:${port}/recordings/${stream.recordingId}/hls/720p/`;
    for (let i = 0; i < 50 && !(await get(`${nginxBase}index.m3u8`)); i++) await new Promise((r) => setTimeout(r, 100));
    const aulaBase = stream.url.replace('master.m3u8', '720p/');
    if (!(await get(`${aulaBase}index.m3u8`))) throw new Error('Aula does not serve the live playlist');

    const cached: string[] = [];
    for (const viewers of viewerCounts) {
      console.log(`\n${viewers} viewers`);
      console.log(line('nginx, same files (baseline)', await simulateViewers(nginxBase, segments, viewers, seconds * 1000)));
      console.log(line('Aula /live-media, no cache', await simulateViewers(aulaBase, segments, viewers, seconds * 1000)));
      // A cold cache per run: the viewer count is part of every URL's cache key (Aula ignores the query).
      const logFile = path.join(conf, 'origin.log');
      const before = readFileSync(logFile, 'utf8').length;
      const viaCache = await simulateViewers(aulaBase.replace(aula.url, `http://127.0.0.1:${cachePort}`), segments.map((seg) => `${seg}?viewers=${viewers}`), viewers, seconds * 1000);
      console.log(line('Aula behind nginx proxy_cache', viaCache));
      const lines = readFileSync(logFile, 'utf8').slice(before).trim().split('\n').filter(Boolean);
      // MISS, EXPIRED and "-" (not cacheable) went to Aula; HIT, UPDATING and STALE did not.
      const toAula = lines.filter((l) => /^(MISS|EXPIRED|BYPASS|-) /.test(l));
      const segmentsAsked = new Set(lines.filter((l) => l.endsWith('.ts')).map((l) => l.split(' ')[1]));
      const segmentOrigin = toAula.filter((l) => l.endsWith('.ts')).length;
      const playlistOrigin = toAula.filter((l) => l.endsWith('.m3u8')).length;
      cached.push(`${String(viewers).padStart(5)} viewers: ${lines.length} requests to the cache, ${toAula.length} reached Aula: ${(segmentOrigin / Math.max(1, segmentsAsked.size)).toFixed(2)} per segment (${segmentsAsked.size} segments), ${(playlistOrigin / seconds).toFixed(1)} playlist requests/s`);
    }
    console.log('\norigin load with nginx proxy_cache in front:');
    for (const l of cached) console.log(`  ${l}`);
  } finally {
    nginx?.kill('SIGTERM');
    await aula.stop();
  }
}

await main();
