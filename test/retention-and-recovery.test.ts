import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, freePort, seedSchool, startAula } from './support/aula';
import { makeTestVideo } from './support/media';
import { waitFor } from './support/wait';

type Rec = { id: string; status: string; purgedAt: string | null; outputs: unknown };


describe('retention', () => {
  it('purges the media of a recording deleted longer ago than the retention period, keeping its row and history', async () => {
    let now = new Date();
    const clock = { now: () => now };
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aula-retention-'));
    let t = await startAula({ AULA_RETENTION_DAYS: '30' }, dataDir, clock);
    try {
      const school = await seedSchool(t);
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Old', batchId: school.batches[0]!.id, provider: 'upload', startsAt: now.toISOString(), durationMinutes: 5 } });
      const file = await makeTestVideo(path.join(dataDir, 'a.mp4'), { seconds: 2 });
      const rec = await t.api<Rec>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=a.mp4`, { rawBody: readFileSync(file), headers: { 'content-type': 'video/mp4' } });
      await waitFor('the recording to be ready', async () => ((await t.api<Rec>('GET', `/api/v1/recordings/${rec.body.id}`)).body.status === 'ready' ? true : null), 60_000);
      const mediaDir = path.join(dataDir, 'media', 'recordings', rec.body.id);
      expect(readdirSync(mediaDir).length).toBeGreaterThan(0);
      await t.api('DELETE', `/api/v1/recordings/${rec.body.id}`);
      await t.close();

      // 29 days later nothing is purged; 31 days later the media is gone.
      now = new Date(now.getTime() + 29 * 86_400_000);
      t = await startAula({ AULA_RETENTION_DAYS: '30' }, dataDir, clock);
      await new Promise((r) => setTimeout(r, 1000));
      expect(existsSync(mediaDir)).toBe(true);
      await t.close();

      now = new Date(now.getTime() + 2 * 86_400_000);
      t = await startAula({ AULA_RETENTION_DAYS: '30' }, dataDir, clock);
      const purged = await waitFor('the recording to be purged', async () => {
        const r = await t.api<Rec>('GET', `/api/v1/recordings/${rec.body.id}`);
        return r.body.purgedAt ? r.body : null;
      }, 60_000);
      expect(purged.status).toBe('deleted');
      expect(existsSync(mediaDir) ? readdirSync(mediaDir, { recursive: true }) : []).toEqual([]);
      const restore = await t.api<{ error: { message: string } }>('POST', `/api/v1/recordings/${rec.body.id}/restore`);
      expect(restore.status).toBe(409);
      expect(restore.body.error.message).toMatch(/purged/);
      const events = await t.api<{ items: { to: string }[] }>('GET', `/api/v1/recordings/${rec.body.id}/events`);
      expect(events.body.items.map((e) => e.to)).toEqual(['processing', 'ready', 'deleted']);
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('crash recovery', () => {
  function startProcess(dataDir: string, port: number): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, AULA_DATA_DIR: dataDir, PORT: String(port), AULA_DEMO: '0', AULA_ADMIN_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', AULA_JOB_BACKOFF_MS: '100' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The end of what it printed, for a process that dies before it answers.
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`Aula exited (${code ?? signal}) before it answered:\n${stderr}`)));
    });
    exited.catch(() => undefined);
    exitOf.set(child, exited);
    return child;
  }
  const exitOf = new WeakMap<ChildProcess, Promise<never>>();
  async function ready(url: string, child: ChildProcess) {
    // A cold start (TypeScript loaded anew) beside the real-time tests can take a while on two cores.
    const answers = waitFor('Aula to answer', async () => ((await fetch(`${url}/health`).catch(() => null))?.ok ? true : null), 60_000);
    await Promise.race([answers, exitOf.get(child)!]);
  }

  it('after SIGKILL with jobs queued and running, a restart finishes every job exactly once and leaves no recording stuck', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'aula-crash-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child = startProcess(dataDir, port);
    try {
      await ready(url, child);
      const t = { url, api: async <T>(m: string, p: string, body?: unknown, raw?: Buffer): Promise<T> => {
        const res = await fetch(url + p, { method: m, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': raw ? 'video/mp4' : 'application/json' }, body: raw ? new Uint8Array(raw) : body === undefined ? undefined : JSON.stringify(body) });
        return (await res.json()) as T;
      } };
      const course = await t.api<{ id: string }>('POST', '/api/v1/courses', { title: 'C' });
      const batch = await t.api<{ id: string }>('POST', '/api/v1/batches', { name: 'B', courseIds: [course.id] });
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { title: 'Crash', batchId: batch.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5 });
      const video = readFileSync(await makeTestVideo(path.join(dataDir, 'v.mp4'), { seconds: 6, width: 640, height: 360 }));
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.id}/uploads?filename=v.mp4`, undefined, video)).id);
      // Kill while the first job runs and the others wait.
      await waitFor('a job to be running', async () => {
        const db = new Database(path.join(dataDir, 'aula.db'), { readonly: true });
        try {
          return (db.prepare("select count(*) n from jobs where status = 'running'").get() as { n: number }).n > 0 ? true : null;
        } finally {
          db.close();
        }
      }, 20_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      child = startProcess(dataDir, port);
      await ready(url, child);
      for (const id of ids) {
        await waitFor('the recording to be ready', async () => ((await t.api<Rec>('GET', `/api/v1/recordings/${id}`)).status === 'ready' ? true : null), 90_000);
      }
      await waitFor('the queue to finish every job', async () => {
        const db = new Database(path.join(dataDir, 'aula.db'), { readonly: true });
        try {
          const open = db.prepare("select count(*) n from jobs where name = 'process-recording' and status in ('queued','running')").get() as { n: number };
          return open.n === 0 ? true : null;
        } finally {
          db.close();
        }
      }, 60_000);
      const db = new Database(path.join(dataDir, 'aula.db'), { readonly: true });
      try {
        const jobs = db.prepare("select data, status from jobs where name = 'process-recording'").all() as { data: string; status: string }[];
        expect(jobs.map((j) => (JSON.parse(j.data) as { recordingId: string }).recordingId).sort()).toEqual([...ids].sort());
        expect(jobs.every((j) => j.status === 'done')).toBe(true);
        for (const id of ids) {
          const readyEvents = db.prepare("select count(*) n from recording_events where recording_id = ? and to_status = 'ready'").get(id) as { n: number };
          expect(readyEvents.n).toBe(1);
        }
      } finally {
        db.close();
      }
      // No orphaned scratch files are left behind by the killed run.
      const scratch = path.join(dataDir, 'tmp', 'jobs');
      expect(existsSync(scratch) ? readdirSync(scratch) : []).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
