/**
 * SFU bench: one 720p publisher (ffmpeg's VP8 + Opus sent as real RTP by a werift client) and a growing
 * number of werift subscriber clients in Node, against Aula running as its own process.
 *
 *   npx tsx bench/sfu.ts [--steps 1,5,10,20,30,40] [--hold 12] [--per-worker 10] [--kbps 1500] [--max-seconds 300]
 *
 * For each step it prints the subscribers' unrecovered packet loss over the hold window, Aula's CPU
 * (% of one core, from /proc of the Aula process) and memory, and Aula's CPU per subscriber above the
 * publisher-only baseline measured first in the same run; apart from it, the load generator's CPU: the
 * subscriber clients' (per subscriber) and the publisher's (its werift client in this process and its
 * ffmpeg encoder); then the largest step carried below 2 % loss. No step starts after --max-seconds. Subscribers run in worker processes so the bench's own event
 * loop does not drop packets; everything shares this machine's cores, so the figures are a floor.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaStreamTrack, RTCPeerConnection, RtpPacket, useOPUS, useVP8 } from 'werift';
import { apiJson, BENCH_ADMIN_KEY, startAulaProcess } from './support';

// ------------------------------------------------------------------ a participant in Node, over the signaling socket

type Json = Record<string, unknown>;

const WS: typeof WebSocket = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket ?? (createRequire(import.meta.url)('ws') as typeof WebSocket);

const clientConfig = () => ({
  iceServers: [],
  iceUseIpv6: false,
  iceAdditionalHostAddresses: ['127.0.0.1'],
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  codecs: { video: [useVP8({ payloadType: 96 })], audio: [useOPUS({ payloadType: 111 })] },
});

async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        sub.unSubscribe();
        resolve();
      }
    });
  });
}

/** Unique packets seen and the span of sequence numbers, per incoming stream: loss after retransmission. */
export class LossCounter {
  private first: number | null = null;
  private highest = 0;
  private last16 = 0;
  private readonly seen = new Set<number>();
  received = 0;
  bytes = 0;

  add(seq16: number, size = 0): void {
    this.bytes += size;
    if (this.first === null) {
      this.first = seq16;
      this.highest = seq16;
      this.last16 = seq16;
    } else {
      const delta = ((seq16 - this.last16 + 0x8000) & 0xffff) - 0x8000;
      const ext = this.highest + delta;
      if (delta > 0) {
        this.highest = ext;
        this.last16 = seq16;
      }
      if (this.seen.has(ext)) return;
      this.seen.add(ext);
      if (this.seen.size > 20_000) for (const v of [...this.seen].slice(0, 10_000)) this.seen.delete(v);
    }
    this.received++;
  }

  get expected(): number {
    return this.first === null ? 0 : this.highest - this.first + 1;
  }
}

export interface NodeParticipantOptions {
  url: string;
  liveClassId: string;
  token: string;
  /** Counts what subscribed tracks deliver. */
  count?: boolean;
}

/** Speaks Aula's signaling protocol with werift connections: publishes local tracks, answers subscriber offers. */
export class NodeParticipant {
  private ws: WebSocket | null = null;
  pub: RTCPeerConnection | null = null;
  sub: RTCPeerConnection | null = null;
  readonly counters = new Map<string, LossCounter>();
  welcome: Json | null = null;
  private readonly waiters: Array<{ type: string; resolve(m: Json): void }> = [];

  constructor(private readonly opts: NodeParticipantOptions) {}

  async join(): Promise<Json> {
    const ws = new WS(`${this.opts.url.replace(/^http/, 'ws')}/api/v1/live-classes/${this.opts.liveClassId}/signal?token=${encodeURIComponent(this.opts.token)}`);
    this.ws = ws;
    ws.addEventListener('message', (ev: MessageEvent) => void this.onMessage(JSON.parse(String(ev.data)) as Json));
    const welcome = await this.next('welcome', 15_000);
    this.welcome = welcome;
    return welcome;
  }

  send(message: Json): void {
    this.ws?.send(JSON.stringify(message));
  }

  next(type: string, timeoutMs = 15_000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ type, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  private async onMessage(m: Json): Promise<void> {
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    if (m.type === 'subscriber-offer') await this.answer(m.description as { type: 'offer'; sdp: string });
    else if (m.type === 'publish-answer' && this.pub) await this.pub.setRemoteDescription(m.description as { type: 'answer'; sdp: string });
    else if (m.type === 'error') console.error(`  server: ${String(m.message)}`);
  }

  private async answer(offer: { type: 'offer'; sdp: string }): Promise<void> {
    if (!this.sub) {
      const pc = new RTCPeerConnection(clientConfig());
      this.sub = pc;
      pc.onTrack.subscribe((track) => {
        if (!this.opts.count) return;
        const counter = new LossCounter();
        this.counters.set(`${track.kind}:${track.ssrc ?? this.counters.size}`, counter);
        track.onReceiveRtp.subscribe((rtp) => counter.add(rtp.header.sequenceNumber, rtp.payload.length));
      });
    }
    await this.sub.setRemoteDescription(offer);
    await this.sub.setLocalDescription(await this.sub.createAnswer());
    await gathered(this.sub);
    const d = this.sub.localDescription;
    if (d) this.send({ type: 'subscriber-answer', description: { type: 'answer', sdp: d.sdp } });
  }

  /** Publishes a camera and a microphone whose RTP the caller writes into the returned tracks. */
  async publish(): Promise<{ video: MediaStreamTrack; audio: MediaStreamTrack }> {
    const pc = new RTCPeerConnection(clientConfig());
    this.pub = pc;
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const tv = pc.addTransceiver(video, { direction: 'sendonly' });
    const ta = pc.addTransceiver(audio, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const d = pc.localDescription!;
    const answered = this.next('publish-answer');
    this.send({ type: 'publish', description: { type: 'offer', sdp: d.sdp }, sources: { [tv.mid!]: 'camera', [ta.mid!]: 'microphone' } });
    await answered;
    return { video, audio };
  }

  async close(): Promise<void> {
    this.ws?.close();
    await Promise.allSettled([this.pub?.close(), this.sub?.close()]);
  }
}

/** Seconds of the clip a synthetic publisher loops. */
const SYNTHETIC_CLIP_SECONDS = 10;
const clips = new Map<string, Promise<string>>();

/**
 * ffmpeg's test picture and tone as VP8 (a keyframe every 2 s) and Opus, encoded once per size and rate and kept:
 * a live encode of a 720p picture takes most of a core, which a two-core machine needs for the class it tests.
 */
function syntheticClip(size: string, kbps: number): Promise<string> {
  const key = `${size}-${kbps}`;
  let clip = clips.get(key);
  if (!clip) {
    clip = (async () => {
      const file = path.join(os.tmpdir(), `aula-synthetic-${key}-${process.pid}.webm`);
      await new Promise<void>((resolve, reject) => {
        const ffmpeg = spawn('ffmpeg', [
          '-hide_banner', '-loglevel', 'error', '-y',
          '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30:duration=${SYNTHETIC_CLIP_SECONDS}`,
          '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SYNTHETIC_CLIP_SECONDS}`,
          '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`,
          '-g', '60', '-error-resilient', '1', '-auto-alt-ref', '0',
          '-c:a', 'libopus', '-b:a', '48k', '-application', 'voip', file,
        ], { stdio: ['ignore', 'ignore', 'inherit'] });
        ffmpeg.once('error', reject);
        ffmpeg.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`the synthetic clip could not be made (ffmpeg exit ${code})`))));
      });
      process.once('exit', () => rmSync(file, { force: true }));
      return file;
    })();
    clips.set(key, clip);
    clip.catch(() => clips.delete(key));
  }
  return clip;
}

/**
 * ffmpeg's test picture and tone (VP8 720p, Opus) sent as RTP at real time to local ports, written into the
 * publisher's tracks: real media at real time, like a browser's. A clip made once is looped, so sending costs
 * next to nothing.
 */
export async function startSyntheticMedia(tracks: { video: MediaStreamTrack; audio: MediaStreamTrack }, opts: { kbps: number; width?: number; height?: number }): Promise<{ pid: number | undefined; stop(): void }> {
  const clip = await syntheticClip(`${opts.width ?? 1280}x${opts.height ?? 720}`, opts.kbps);
  const sockets = [createSocket('udp4'), createSocket('udp4')] as const;
  const ports: number[] = [];
  for (const s of sockets) {
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    ports.push(s.address().port);
    s.setRecvBufferSize?.(4 * 1024 * 1024);
  }
  sockets[0].on('message', (data) => tracks.video.writeRtp(RtpPacket.deSerialize(data)));
  sockets[1].on('message', (data) => tracks.audio.writeRtp(RtpPacket.deSerialize(data)));
  const ffmpeg = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip,
    '-map', '0:v', '-c:v', 'copy', '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${ports[0]}?pkt_size=1100`,
    '-map', '0:a', '-c:a', 'copy', '-payload_type', '111', '-f', 'rtp', `rtp://127.0.0.1:${ports[1]}?pkt_size=1100`,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    pid: ffmpeg.pid,
    stop() {
      ffmpeg.kill('SIGKILL');
      for (const s of sockets) s.close();
    },
  };
}

/** A course, batch, instructor and `students` students; the class's id and everyone's tokens. */
export async function seedLiveClass(url: string, opts: { students: number; autoRecord: boolean; title: string }) {
  const api = <T>(method: string, p: string, body?: unknown, token = BENCH_ADMIN_KEY) => apiJson<T>(url + p, method, body, token);
  const uniq = Math.random().toString(36).slice(2, 8);
  const course = await api<{ id: string }>('POST', '/api/v1/courses', { title: `Bench ${uniq}` });
  const chapter = await api<{ id: string }>('POST', `/api/v1/courses/${course.id}/chapters`, { title: 'Chapter' });
  const lesson = await api<{ id: string }>('POST', `/api/v1/chapters/${chapter.id}/lessons`, { title: 'Lesson' });
  const batch = await api<{ id: string }>('POST', '/api/v1/batches', { name: `Batch ${uniq}`, courseIds: [course.id] });
  const login = async (email: string, password: string) => (await apiJson<{ token: string }>(`${url}/api/v1/auth/login`, 'POST', { email, password }, '')).token;
  const instructor = await api<{ id: string }>('POST', '/api/v1/users', { email: `i-${uniq}@bench.test`, name: 'Instructor', role: 'instructor', password: 'bench-password' });
  await api('POST', `/api/v1/batches/${batch.id}/instructors`, { userId: instructor.id });
  const students: string[] = [];
  for (let i = 0; i < opts.students; i++) {
    const s = await api<{ id: string }>('POST', '/api/v1/users', { email: `s${i}-${uniq}@bench.test`, name: `Student ${i + 1}`, role: 'student', password: 'bench-password' });
    await api('POST', `/api/v1/batches/${batch.id}/students`, { userId: s.id });
    students.push(await login(`s${i}-${uniq}@bench.test`, 'bench-password'));
  }
  const cls = await api<{ id: string }>('POST', '/api/v1/live-classes', {
    title: opts.title, batchId: batch.id, lessonId: lesson.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 600, autoRecord: opts.autoRecord,
  });
  return { liveClassId: cls.id, lessonId: lesson.id, instructorToken: await login(`i-${uniq}@bench.test`, 'bench-password'), studentTokens: students };
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export async function processUsage(pid: number): Promise<{ cpuSeconds: number; rssMb: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMb: rssKb / 1024 };
}

// ------------------------------------------------------------------ worker: a batch of subscribers

interface WorkerStats {
  type: 'stats';
  joined: number;
  received: number;
  expected: number;
  bytes: number;
  cpuSeconds: number;
}

async function runWorker(): Promise<void> {
  const config = JSON.parse(process.env.AULA_BENCH_WORKER ?? '{}') as { url: string; liveClassId: string; tokens: string[] };
  const clients: NodeParticipant[] = [];
  for (const token of config.tokens) {
    const c = new NodeParticipant({ url: config.url, liveClassId: config.liveClassId, token, count: true });
    await c.join();
    clients.push(c);
  }
  const report = setInterval(() => {
    let received = 0;
    let expected = 0;
    let bytes = 0;
    for (const c of clients) for (const counter of c.counters.values()) {
      received += counter.received;
      expected += counter.expected;
      bytes += counter.bytes;
    }
    const u = process.cpuUsage();
    const msg: WorkerStats = { type: 'stats', joined: clients.length, received, expected, bytes, cpuSeconds: (u.user + u.system) / 1e6 };
    process.send?.(msg);
  }, 1000);
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stop') {
      clearInterval(report);
      void Promise.allSettled(clients.map((c) => c.close())).then(() => process.exit(0));
    }
  });
}

// ------------------------------------------------------------------ the bench

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const steps = option('steps', '1,5,10,20,30,40').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const hold = Number(option('hold', '12'));
  const perWorker = Number(option('per-worker', '10'));
  const kbps = Number(option('kbps', '1500'));
  const stopAfter = Date.now() + Number(option('max-seconds', '300')) * 1000;
  const max = steps.at(-1) ?? 1;

  const aula = await startAulaProcess({ LOG_LEVEL: 'error', AULA_LIVE_GRACE_SECONDS: '600' });
  const pid = aula.child.pid!;
  const workers: Array<{ child: ChildProcess; stats: WorkerStats | null }> = [];
  let media: { pid: number | undefined; stop(): void } | null = null;
  const host = { p: null as NodeParticipant | null };
  try {
    console.log(`seeding ${max} students…`);
    const seed = await seedLiveClass(aula.url, { students: max, autoRecord: false, title: 'SFU bench' });
    const publisher = new NodeParticipant({ url: aula.url, liveClassId: seed.liveClassId, token: seed.instructorToken });
    host.p = publisher;
    await publisher.join();
    publisher.send({ type: 'start-class' });
    await publisher.next('class');
    const tracks = await publisher.publish();
    media = await startSyntheticMedia(tracks, { kbps });
    // The publisher's side of the load generator: its werift client (this process) and its encoder.
    const publisherCpu = async () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 + (media?.pid ? (await processUsage(media.pid).catch(() => ({ cpuSeconds: 0 }))).cpuSeconds : 0);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = await processUsage(pid);
    const pub0 = await publisherCpu();
    await new Promise((r) => setTimeout(r, 5_000));
    const idle2 = await processUsage(pid);
    const baseCpu = ((idle2.cpuSeconds - idle.cpuSeconds) / 5) * 100;
    console.log(`baseline, publisher only (720p VP8 ${kbps} kb/s + Opus): Aula ${baseCpu.toFixed(1)}% CPU, ${idle2.rssMb.toFixed(0)} MB RSS; publisher (client + encoder) ${(((await publisherCpu()) - pub0) / 5 * 100).toFixed(1)}% CPU`);
    console.log('');
    console.log('             ------------------------------- Aula -------------------------------   --------- load generator ---------');
    console.log('subscribers  pkt/s/sub  kb/s/sub  loss %   Aula CPU %  Aula RSS MB  CPU %/sub  MB/sub  clients CPU %  CPU %/sub  publisher CPU %  machine busy %');

    let used = 0;
    let bestUnder2 = 0;
    const self = fileURLToPath(import.meta.url);
    for (const n of steps) {
      if (Date.now() > stopAfter) {
        console.log(`(stopped before ${n} subscribers: --max-seconds reached)`);
        break;
      }
      while (used < n) {
        const take = Math.min(perWorker, n - used);
        const tokens = seed.studentTokens.slice(used, used + take);
        used += take;
        const child = fork(self, ['--worker'], { execArgv: ['--import', 'tsx'], env: { ...process.env, AULA_BENCH_WORKER: JSON.stringify({ url: aula.url, liveClassId: seed.liveClassId, tokens }) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        const w: { child: ChildProcess; stats: WorkerStats | null } = { child, stats: null };
        child.on('message', (m: WorkerStats) => {
          w.stats = m;
        });
        workers.push(w);
      }
      const joinDeadline = Date.now() + 60_000;
      while (workers.reduce((s, w) => s + (w.stats?.joined ?? 0), 0) < n && Date.now() < joinDeadline) await new Promise((r) => setTimeout(r, 250));
      await new Promise((r) => setTimeout(r, 4_000));
      const snap = () => ({
        received: workers.reduce((s, w) => s + (w.stats?.received ?? 0), 0),
        expected: workers.reduce((s, w) => s + (w.stats?.expected ?? 0), 0),
        clientCpu: workers.reduce((s, w) => s + (w.stats?.cpuSeconds ?? 0), 0),
        bytes: workers.reduce((s, w) => s + (w.stats?.bytes ?? 0), 0),
      });
      const a0 = await processUsage(pid);
      const m0 = await machineTicks();
      const s0 = snap();
      const p0 = await publisherCpu();
      await new Promise((r) => setTimeout(r, hold * 1000));
      const a1 = await processUsage(pid);
      const m1 = await machineTicks();
      const s1 = snap();
      const pubCpu = (((await publisherCpu()) - p0) / hold) * 100;
      const busy = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100;
      const expected = s1.expected - s0.expected;
      const received = s1.received - s0.received;
      const loss = expected > 0 ? Math.max(0, (1 - received / expected) * 100) : 100;
      const cpu = ((a1.cpuSeconds - a0.cpuSeconds) / hold) * 100;
      const clientCpu = ((s1.clientCpu - s0.clientCpu) / hold) * 100;
      if (loss < 2) bestUnder2 = n;
      console.log(
        `${String(n).padStart(11)}  ${(received / hold / n).toFixed(0).padStart(9)}  ${((s1.bytes - s0.bytes) * 8 / 1000 / hold / n).toFixed(0).padStart(8)}  ${loss.toFixed(2).padStart(6)}  ${cpu.toFixed(1).padStart(10)}  ${a1.rssMb.toFixed(0).padStart(11)}  ${((cpu - baseCpu) / n).toFixed(2).padStart(9)}  ${((a1.rssMb - idle2.rssMb) / n).toFixed(2).padStart(6)}  ${clientCpu.toFixed(0).padStart(13)}  ${(clientCpu / n).toFixed(2).padStart(9)}  ${pubCpu.toFixed(0).padStart(15)}  ${busy.toFixed(0).padStart(14)}`,
      );
      if (loss >= 10) break;
    }
    console.log('');
    console.log(`largest step below 2 % loss: ${bestUnder2} subscribers (machine: ${os.cpus().length} cores shared by Aula, the publisher and the subscriber clients)`);
  } finally {
    for (const w of workers) w.child.send({ type: 'stop' });
    await new Promise((r) => setTimeout(r, 1_000));
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    media?.stop();
    await host.p?.close();
    await aula.stop();
  }
}

const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--worker')) await runWorker();
  else {
    await main();
    // werift's sockets and timers keep the loop alive after the clients close.
    process.exit(0);
  }
}
