import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestAula, seedSchool, startAula } from './support/aula';
import { freshPostgresDatabase, postgresUrl } from './support/services';

/** Sends bytes as they are (no client fixes them up) and returns the raw answer. */
function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err) => (chunks.length ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err)));
    socket.write(bytes);
  });
}

function parseRaw(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, head, json: JSON.parse(body) as { error: { code: string; message: string } } };
}

const expectErrorShape = (body: unknown) => {
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
};

describe('framework errors are JSON and never echo the request', () => {
  let t: TestAula;
  let port: number;
  beforeAll(async () => {
    t = await startAula();
    port = Number(new URL(t.url).port);
  });
  afterAll(() => t.close());

  it('answers a bad percent-encoding in the path with a JSON 400', async () => {
    const r = parseRaw(await rawRequest(port, 'GET /api/v1/courses/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('bad_url');
    expect(r.json.error.message).not.toContain('%E0');
  });

  it('answers a path segment longer than any id with a JSON 414', async () => {
    const long = 'a'.repeat(5000);
    const r = await t.api('GET', `/media/${long}/hls/master.m3u8`);
    expect(r.status).toBe(414);
    expectErrorShape(r.body);
    expect(JSON.stringify(r.body)).not.toContain(long.slice(0, 50));
  });

  it('answers an unknown route without repeating its path', async () => {
    const r = await t.api('GET', '/api/v1/<script>alert(1)</script>');
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.body)).not.toContain('script');
  });

  it('answers headers larger than the limit with a JSON 431', async () => {
    const r = parseRaw(await rawRequest(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(70_000)}\r\n\r\n`));
    expect(r.status).toBe(431);
    expect(r.json.error.code).toBe('headers_too_large');
  });

  it('answers bytes that are not HTTP with a JSON 400', async () => {
    const r = parseRaw(await rawRequest(port, 'HELLO THERE\r\n\r\n'));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('malformed_request');
    const r2 = parseRaw(await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'));
    expect(r2.status).toBe(400);
  });

  it('still serves the next request after all of that', async () => {
    expect((await t.api('GET', '/health')).status).toBe(200);
  });
});

describe('input is what it claims', () => {
  let t: TestAula;
  beforeAll(async () => {
    t = await startAula();
  });
  afterAll(() => t.close());

  it('refuses NUL and unpaired surrogates in any text field, keys and query included', async () => {
    for (const body of [{ title: 'Alg\u0000ebra' }, { title: 'Alg\ud800ebra' }, { title: 'ok', description: 'x\udc00' }]) {
      const r = await t.api<{ error: { code: string; message: string } }>('POST', '/api/v1/courses', { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/NUL|surrogate/);
    }
    const q = await t.api('GET', '/api/v1/courses?externalId=%00x');
    expect(q.status).toBe(400);
    const listed = await t.api<{ items: unknown[] }>('GET', '/api/v1/courses');
    expect(listed.body.items).toHaveLength(0);
  });

  it('keeps a valid surrogate pair (emoji) and trims text', async () => {
    const r = await t.api<{ title: string; description: string; externalId: string }>('POST', '/api/v1/courses', { body: { title: '  Algebra 📐 ', description: ' d ', externalId: ' ext-1 ' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ title: 'Algebra 📐', description: 'd', externalId: 'ext-1' });
  });

  it('refuses whitespace-only ids and passwords', async () => {
    expect((await t.api('POST', '/api/v1/courses', { body: { title: 'x', externalId: '   ' } })).status).toBe(400);
    expect((await t.api('GET', '/api/v1/courses/%20%20')).status).toBe(400);
    expect((await t.api('POST', '/api/v1/users', { body: { email: 'a@example.org', name: 'A', role: 'student', password: '          ' } })).status).toBe(400);
  });

  it('refuses dates outside 2000–2100', async () => {
    const school = await seedSchool(t);
    for (const startsAt of ['0001-01-01T00:00:00Z', '9999-12-31T00:00:00Z', '1969-07-20T20:17:00Z']) {
      const r = await t.api('POST', '/api/v1/live-classes', { body: { title: 'c', batchId: school.batches[0]!.id, startsAt, durationMinutes: 60 } });
      expect(r.status).toBe(400);
    }
  });
});

for (const backend of ['sqlite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && !postgresUrl)(`conflicts are 409 naming the field (${backend})`, () => {
    let t: TestAula;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      let env: Record<string, string> = {};
      if (backend === 'postgres') {
        const pgdb = await freshPostgresDatabase();
        drop = pgdb.drop;
        env = { DATABASE_URL: pgdb.url };
      }
      t = await startAula(env);
    });
    afterAll(async () => {
      await t.close();
      await drop?.();
    });

    it('concurrent creates with one email: one 201, the rest 409 naming email', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.api<{ error?: { code: string; details?: { field?: string } } }>('POST', '/api/v1/users', { body: { email: 'same@example.org', name: 'Same', role: 'student' } })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(7);
      for (const r of results.filter((x) => x.status === 409)) expect(JSON.stringify(r.body)).toContain('email');
    });

    it('concurrent externalIds on every entity are 409 naming externalId, never 500', async () => {
      const course = (await t.api<{ id: string }>('POST', '/api/v1/courses', { body: { title: 'C' } })).body;
      const chapter = (await t.api<{ id: string }>('POST', `/api/v1/courses/${course.id}/chapters`, { body: { title: 'Ch' } })).body;
      const targets: [string, Record<string, unknown>][] = [
        ['/api/v1/courses', { title: 'C' }],
        [`/api/v1/courses/${course.id}/chapters`, { title: 'Ch' }],
        [`/api/v1/chapters/${chapter.id}/lessons`, { title: 'L' }],
        ['/api/v1/batches', { name: 'B' }],
        ['/api/v1/users', { name: 'U', role: 'student' }],
      ];
      for (const [path, body] of targets) {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => t.api<{ error?: { message: string } }>('POST', path, { body: { ...body, externalId: `x-${path}`, ...(path.endsWith('users') && { email: `u${i}@example.org` }) } })),
        );
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 201), path).toHaveLength(1);
        expect(statuses.filter((s) => s === 409), path).toHaveLength(5);
        for (const r of results.filter((x) => x.status === 409)) expect(r.body.error?.message).toContain('externalId');
      }
    });

    it('deleting a course, chapter or lesson a live class refers to is a 409 saying so; nothing is lost', async () => {
      const school = await seedSchool(t);
      const lesson = school.lessons[0]!;
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'c', batchId: school.batches[0]!.id, lessonId: lesson.id, startsAt: '2030-01-01T10:00:00Z', durationMinutes: 30, provider: 'upload' } });
      expect(cls.status).toBe(201);
      for (const path of [`/api/v1/lessons/${lesson.id}`, `/api/v1/chapters/${school.chapter.id}`, `/api/v1/courses/${school.course.id}`]) {
        const r = await t.api<{ error: { code: string; message: string } }>('DELETE', path);
        expect(r.status, path).toBe(409);
        expect(r.body.error.message).toContain('live class');
      }
      expect((await t.api('GET', `/api/v1/lessons/${lesson.id}`)).status).toBe(200);
      // The lesson without classes can go.
      expect((await t.api('DELETE', `/api/v1/lessons/${school.lessons[1]!.id}`)).status).toBe(204);
    });

    it('a batch cannot drop a course its classes use', async () => {
      const school = await seedSchool(t);
      const batchId = school.batches[0]!.id;
      await t.api('POST', '/api/v1/live-classes', { body: { title: 'c', batchId, lessonId: school.lessons[0]!.id, startsAt: '2030-01-01T10:00:00Z', durationMinutes: 30, provider: 'upload' } });
      const r = await t.api<{ error: { message: string } }>('PATCH', `/api/v1/batches/${batchId}`, { body: { courseIds: [] } });
      expect(r.status).toBe(409);
      expect(r.body.error.message).toContain(school.course.id);
      expect((await t.api<{ courseIds: string[] }>('GET', `/api/v1/batches/${batchId}`)).body.courseIds).toEqual([school.course.id]);
    });

    it('unknown ids on list routes are 404', async () => {
      for (const path of ['/api/v1/lessons/nope/recordings', '/api/v1/batches/nope/recordings', '/api/v1/batches/nope/watch-report']) {
        const r = await t.api('GET', path);
        expect(r.status, path).toBe(404);
        expectErrorShape(r.body);
      }
    });
  });
}

describe('settings that are secrets refuse whitespace', () => {
  it('refuses an admin key, secret or metrics token of whitespace, naming the variable', async () => {
    const { loadConfig, ConfigError } = await import('../src/config');
    const dir = (await import('node:os')).tmpdir();
    for (const [name, value] of [['AULA_ADMIN_KEY', ' '.repeat(20)], ['AULA_SECRET', ' '.repeat(40)], ['AULA_METRICS_TOKEN', ' '.repeat(20)]] as const) {
      expect(() => loadConfig({ AULA_DATA_DIR: dir, [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ AULA_DATA_DIR: dir, [name]: value }), name).toThrow(name);
    }
  });
});
