import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/aula';

const ROOT = path.resolve(import.meta.dirname, '..');
const KEY = 'fresh-machine-admin-key-0123456789';

/** `npm start` on a machine where only Node is installed: a PATH holding nothing but `node`. */
describe('a machine without FFmpeg', () => {
  let child: ChildProcess;
  let url: string;
  let stderr = '';
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aula-fresh-'));
    const bin = path.join(dir, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: bin, HOME: dir, AULA_DATA_DIR: path.join(dir, 'data'), PORT: String(port), AULA_ADMIN_KEY: KEY, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    // Ready when it prints its address.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Aula is running at')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`aula exited with ${code}: ${stderr}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so in one line at start', () => {
    const lines = stderr.trim().split('\n').filter((l) => l.includes('media processing is unavailable'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/apt-get install -y ffmpeg/);
  });

  it('/health reports media as unavailable while the server works', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'degraded', database: { ok: true }, media: { ok: false, reason: expect.stringContaining('ffmpeg') } });
  });

  it('creates the demo workspace without a demo recording that would fail', async () => {
    const headers = { authorization: `Bearer ${KEY}` };
    const users = (await (await fetch(`${url}/api/v1/users`, { headers })).json()) as { items: unknown[] };
    expect(users.items.length).toBeGreaterThanOrEqual(4);
    const recordings = (await (await fetch(`${url}/api/v1/recordings`, { headers })).json()) as { items: unknown[] };
    expect(recordings.items).toEqual([]);
  });
});
