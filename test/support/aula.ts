import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Clock } from '../../src/adapters/clock';
import { type Aula, createAula } from '../../src/app';
import { loadConfig } from '../../src/config';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestAula {
  aula: Aula;
  url: string;
  dataDir: string;
  api<T = unknown>(method: string, urlPath: string, opts?: { token?: string | null; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> }): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/** A real Aula on a random 127.0.0.1 port with its own data dir and SQLite file. */
export async function startAula(env: Record<string, string> = {}, dataDir?: string, clock?: Clock): Promise<TestAula> {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'aula-test-'));
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const config = loadConfig({ AULA_DATA_DIR: dir, PORT: String(port), AULA_ADMIN_KEY: ADMIN_KEY, AULA_DEMO: '0', LOG_LEVEL: 'silent', ...env });
  const aula = await createAula(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...(clock && { clock }) });
  await aula.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    aula,
    url,
    dataDir: dir,
    async api(method, urlPath, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const token = opts.token === undefined ? ADMIN_KEY : opts.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | Buffer | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + urlPath, { method, headers, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async close() {
      await aula.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port free right now on 127.0.0.1, so PUBLIC_URL (and the signed media URLs built on it) is known before start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Builds a course with a chapter and lessons, a batch, and users, through the public API. */
export async function seedSchool(t: TestAula, opts: { lessons?: number; batches?: number; studentsPerBatch?: number } = {}) {
  const post = async <T>(p: string, body: unknown): Promise<T> => {
    const r = await t.api<T>('POST', p, { body });
    if (r.status >= 300) throw new Error(`POST ${p} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const uniq = Math.random().toString(36).slice(2, 8);
  const course = await post<{ id: string }>('/api/v1/courses', { title: `Course ${uniq}` });
  const chapter = await post<{ id: string }>(`/api/v1/courses/${course.id}/chapters`, { title: 'Chapter 1' });
  const lessons: { id: string }[] = [];
  for (let i = 0; i < (opts.lessons ?? 2); i++) lessons.push(await post(`/api/v1/chapters/${chapter.id}/lessons`, { title: `Lesson ${i + 1}` }));
  const batches: { id: string; students: { id: string; email: string; token: string }[]; instructor: { id: string; token: string } }[] = [];
  for (let b = 0; b < (opts.batches ?? 1); b++) {
    const batch = await post<{ id: string }>('/api/v1/batches', { name: `Batch ${b + 1}`, courseIds: [course.id] });
    const instructor = await post<{ id: string; email: string }>('/api/v1/users', { email: `inst-${uniq}-${b}@example.test`, name: `Instructor ${b + 1}`, role: 'instructor', password: 'instructor-pass' });
    await post(`/api/v1/batches/${batch.id}/instructors`, { userId: instructor.id });
    const students = [];
    for (let s = 0; s < (opts.studentsPerBatch ?? 1); s++) {
      const st = await post<{ id: string; email: string }>('/api/v1/users', { email: `stu-${uniq}-${b}-${s}@example.test`, name: `Student ${b + 1}.${s + 1}`, role: 'student', password: 'student-pass' });
      await post(`/api/v1/batches/${batch.id}/students`, { userId: st.id });
      students.push({ ...st, token: await login(t, st.email, 'student-pass') });
    }
    batches.push({ id: batch.id, students, instructor: { id: instructor.id, token: await login(t, instructor.email, 'instructor-pass') } });
  }
  return { course, chapter, lessons, batches };
}

export async function login(t: TestAula, email: string, password: string): Promise<string> {
  const r = await t.api<{ token: string }>('POST', '/api/v1/auth/login', { token: null, body: { email, password } });
  if (r.status !== 200) throw new Error(`login ${email} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}
