import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Closed-loop load: `concurrency` workers issue requests back to back for `durationMs` (bounded by `maxRequests`). */
export async function load(fn: () => Promise<boolean>, opts: { concurrency: number; durationMs: number; maxRequests?: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const max = opts.maxRequests ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline && issued < max) {
        issued++;
        const t0 = performance.now();
        const ok = await fn().catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: latencies.length, seconds, rps: latencies.length / seconds, p50: pct(50), p99: pct(99), errors };
}

export function describe(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   (${r.requests} requests, ${r.errors} errors)`;
}

import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** A GET over a keep-alive connection; resolves true on the expected status. */
export function get(url: string, headers: Record<string, string> = {}, expect = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === expect));
    });
    req.on('error', () => resolve(false));
  });
}

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

/** Starts `npm start`'s entry point in its own process on a free port, as a user would run it. */
export async function startAulaProcess(env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<{ url: string; dataDir: string; child: ChildProcess; stop(): Promise<void> }> {
  const dataDir = env.AULA_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'aula-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, AULA_DATA_DIR: dataDir, PORT: String(port), AULA_DEMO: '0', AULA_ADMIN_KEY: BENCH_ADMIN_KEY, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await get(`${url}/health`))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('Aula did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url, dataDir, child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function apiJson<T>(url: string, method: string, body: unknown, token = BENCH_ADMIN_KEY): Promise<T> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A POST with a JSON body over a keep-alive connection. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}, expect = 200): Promise<boolean> {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === expect));
    });
    req.on('error', () => resolve(false));
    req.end(data);
  });
}

/** Warms both up, measures the baseline then Aula for the same time, and prints both with their ratio. */
export async function compareWithBaseline(
  baseline: { name: string; request: () => Promise<boolean> },
  aula: { name: string; request: () => Promise<boolean> },
  opts: { concurrency: number; seconds: number },
): Promise<{ base: LoadResult; real: LoadResult }> {
  await load(baseline.request, { concurrency: opts.concurrency, durationMs: 1000 });
  await load(aula.request, { concurrency: opts.concurrency, durationMs: 1000 });
  const base = await load(baseline.request, { concurrency: opts.concurrency, durationMs: opts.seconds * 1000 });
  const real = await load(aula.request, { concurrency: opts.concurrency, durationMs: opts.seconds * 1000 });
  console.log(describe(`${baseline.name} (baseline)`, base));
  console.log(describe(aula.name, real));
  console.log(`ratio Aula/baseline: ${(real.rps / base.rps).toFixed(2)} of the baseline's throughput, p99 ${(real.p99 / base.p99).toFixed(2)}× the baseline's`);
  return { base, real };
}
