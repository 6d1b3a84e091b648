/**
 * Signed media serving vs Debian's nginx serving the same files from disk (started here on 127.0.0.1), and
 * sustained player heartbeats.  Usage: npm run bench:serve [-- --seconds 5]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { seedLessonForStudent } from './api';
import { apiJson, BENCH_ADMIN_KEY, compareWithBaseline, describe, get, load, postJson, startAulaProcess } from './support';

const run = promisify(execFile);
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;

async function main() {
  const aula = await startAulaProcess();
  let nginx: ReturnType<typeof spawn> | null = null;
  try {
    const { batchId, lessonId, token } = await seedLessonForStudent(aula.url);
    const cls = await apiJson<{ id: string }>(`${aula.url}/api/v1/live-classes`, 'POST', { title: 'Bench', batchId, lessonId, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 10 });
    const source = path.join(aula.dataDir, 'bench-source.mp4');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=20', '-f', 'lavfi', '-i', 'sine=duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2500k', '-maxrate', '2800k', '-bufsize', '5000k', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source]);
    const up = await fetch(`${aula.url}/api/v1/live-classes/${cls.id}/uploads?filename=bench.mp4`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'video/mp4' }, body: readFileSync(source) });
    const rec = (await up.json()) as { id: string };
    for (;;) {
      const r = await apiJson<{ status: string; progress: { stage: string } | null }>(`${aula.url}/api/v1/recordings/${rec.id}`, 'GET', undefined);
      if (r.status === 'ready' && r.progress?.stage === 'done') break;
      if (r.status === 'failed') throw new Error('processing failed');
      await new Promise((res) => setTimeout(res, 500));
    }
    const pb = await apiJson<{ hls: string }>(`${aula.url}/api/v1/recordings/${rec.id}/playback`, 'GET', undefined, token);
    const variantBase = pb.hls.replace('master.m3u8', '720p/');
    const playlist = await (await fetch(`${variantBase}index.m3u8`)).text();
    const segments = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    const sizes = segments.map((s) => readFileSync(path.join(aula.dataDir, 'media', 'recordings', rec.id, 'hls', '720p', s)).length);
    console.log(`${segments.length} segments of 720p, ${(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024).toFixed(0)} KiB on average`);

    // nginx on the same files, same disk, one worker like Aula's one process.
    const port = 41000 + Math.floor(Math.random() * 10000);
    const conf = path.join(aula.dataDir, 'nginx');
    mkdirSync(conf, { recursive: true });
    writeFileSync(path.join(conf, 'nginx.conf'), `${process.getuid?.() === 0 ? 'user root;' : ''} worker_processes 1; daemon off; pid ${conf}/nginx.pid; error_log ${conf}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000; types { video/mp2t ts; }
  client_body_temp_path ${conf}/body; proxy_temp_path ${conf}/proxy; fastcgi_temp_path ${conf}/fcgi; uwsgi_temp_path ${conf}/uwsgi; scgi_temp_path ${conf}/scgi;
  server { listen 127.0.0.1:${port}; root ${path.join(aula.dataDir, 'media')}; } }
`);
    nginx = spawn('nginx', ['-c', path.join(conf, 'nginx.conf'), '-p', conf], { stdio: 'ignore' });
    const nginxBase = `http://127.0.0.1:${port}/recordings/${rec.id}/hls/720p/`;
    for (let i = 0; i < 50 && !(await get(nginxBase + segments[0])); i++) await new Promise((r) => setTimeout(r, 100));

    let i = 0;
    const nextSegment = () => segments[i++ % segments.length]!;
    await compareWithBaseline({ name: 'nginx, same files', request: () => get(nginxBase + nextSegment()) }, { name: 'Aula signed segments', request: () => get(variantBase + nextSegment()) }, { concurrency: 16, seconds });
    console.log('goal: Aula/nginx ≥ 0.8');

    // Heartbeats: 200 viewers' sessions, each advancing its position.
    const sessions = Array.from({ length: 200 }, (_, k) => ({ id: `bench-session-${k}-${Date.now()}`, position: 0 }));
    let s = 0;
    const url = `${aula.url}/api/v1/recordings/${rec.id}/progress`;
    const headers = { authorization: `Bearer ${token}` };
    const hb = await load(() => {
      const session = sessions[s++ % sessions.length]!;
      session.position = Math.min(19, session.position + 0.01);
      return postJson(url, { sessionId: session.id, position: session.position, playing: true }, headers);
    }, { concurrency: 16, durationMs: seconds * 1000 });
    console.log(describe('heartbeats (200 sessions)', hb));
  } finally {
    if (nginx) {
      nginx.kill('SIGTERM');
      await new Promise((r) => nginx!.once('exit', r));
    }
    await aula.stop();
  }
}

await main();
