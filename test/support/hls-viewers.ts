/**
 * Simulated live HLS viewers, run in a process of their own (a load generator apart from the Aula processes under
 * test, whose event loops carry the class's media).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseMediaPlaylist } from '../../src/domain/media/hls';

/** What one simulated viewer fetched: per rendition playlist URI, the segment URIs it got, and how its playlist last read. */
export interface ViewerRecord {
  /** The renditions the master playlist listed when last read. */
  renditions: string[];
  fetched: Map<string, Set<string>>;
  lastListed: Map<string, string[]>;
  ended: Map<string, boolean>;
  errors: string[];
  bytes: number;
}

interface WireRecord {
  renditions: string[];
  fetched: [string, string[]][];
  lastListed: [string, string[]][];
  ended: [string, boolean][];
  errors: string[];
  bytes: number;
}

interface ViewersJob {
  masterUrl: string;
  viewers: number;
  deadline: number;
  pollMs: number;
}

const MPEG_TS_SYNC = 0x47;
const ENV = 'AULA_TEST_HLS_VIEWERS';

// Node's own client, bytes counted and dropped: a few hundred viewers' segments are tens of MB/s.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1_000 });

function get(url: string, keep: boolean): Promise<{ status: number; bytes: number; first: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let bytes = 0;
      let first: number | undefined;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        first ??= chunk[0];
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, first, body: keep ? Buffer.concat(chunks).toString('utf8') : '' }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function text(url: string): Promise<string> {
  const res = await get(url, true);
  if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
  return res.body;
}

/**
 * A live HLS player reduced to its requests: every `pollMs` the master playlist, each rendition's playlist, then every
 * segment of every rendition it has not fetched yet. Stops once every rendition the master lists has ended (the class
 * is over and its recording final), or at `deadline` (epoch ms).
 */
async function watch(job: ViewersJob, record: ViewerRecord): Promise<void> {
  const base = job.masterUrl.slice(0, job.masterUrl.lastIndexOf('/') + 1);
  await new Promise((r) => setTimeout(r, Math.random() * job.pollMs));
  while (Date.now() < job.deadline) {
    const tick = Date.now();
    try {
      const renditions = (await text(job.masterUrl)).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      record.renditions = renditions;
      await Promise.all(renditions.map(async (uri) => {
        const playlistUrl = base + uri;
        const playlist = parseMediaPlaylist(await text(playlistUrl));
        const fetched = record.fetched.get(uri) ?? new Set<string>();
        record.fetched.set(uri, fetched);
        record.lastListed.set(uri, playlist.segments.map((s) => s.uri));
        record.ended.set(uri, playlist.ended);
        const segmentBase = playlistUrl.slice(0, playlistUrl.lastIndexOf('/') + 1);
        for (const segment of playlist.segments) {
          if (fetched.has(segment.uri)) continue;
          const res = await get(segmentBase + segment.uri, false);
          if (res.status !== 200 || res.first !== MPEG_TS_SYNC) throw new Error(`${uri} ${segment.uri} → ${res.status}, ${res.bytes} bytes`);
          record.bytes += res.bytes;
          fetched.add(segment.uri);
        }
      }));
      if (renditions.length > 0 && renditions.every((uri) => record.ended.get(uri) === true)) return;
    } catch (err) {
      record.errors.push(err instanceof Error ? err.message : String(err));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, tick + job.pollMs - Date.now())));
  }
}

async function runViewers(job: ViewersJob): Promise<WireRecord[]> {
  const records: ViewerRecord[] = Array.from({ length: job.viewers }, () => ({ renditions: [], fetched: new Map(), lastListed: new Map(), ended: new Map(), errors: [], bytes: 0 }));
  await Promise.all(records.map((r) => watch(job, r)));
  return records.map((r) => ({
    renditions: r.renditions, fetched: [...r.fetched].map(([k, v]) => [k, [...v]]), lastListed: [...r.lastListed], ended: [...r.ended], errors: r.errors, bytes: r.bytes,
  }));
}

/**
 * `viewers` simulated viewers of one live stream URL (the link every viewer of a class shares), each starting at a
 * random point of its first poll. Resolves with what each fetched once all have stopped.
 */
export function watchLiveHls(masterUrl: string, opts: { viewers: number; deadline: number; pollMs?: number }): Promise<ViewerRecord[]> {
  const job: ViewersJob = { masterUrl, viewers: opts.viewers, deadline: opts.deadline, pollMs: opts.pollMs ?? 1_000 };
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, [ENV]: JSON.stringify(job) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: WireRecord[] | null = null;
    child.on('message', (m: WireRecord[]) => (result = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!result) return reject(new Error(`the viewers' process exited with ${code} before reporting`));
      resolve(result.map((r) => ({ ...r, fetched: new Map(r.fetched.map(([k, v]) => [k, new Set(v)])), lastListed: new Map(r.lastListed), ended: new Map(r.ended) })));
    });
  });
}

const job = process.env[ENV];
if (job && process.send) {
  const records = await runViewers(JSON.parse(job) as ViewersJob);
  process.send(records, () => process.exit(0));
}
