import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveAnnouncedAddress } from '../src/config';
import { ADMIN_KEY, login, seedSchool, startAula, type TestAula } from './support/aula';

type ErrorBody = { error: { code: string; message: string } };

describe('configuration', () => {
  it('names the variable when a value is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty', AULA_DATA_DIR: '/tmp/aula-config-test' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud', AULA_DATA_DIR: '/tmp/aula-config-test' })).toThrow(ConfigError);
    expect(() => loadConfig({ STORAGE: 's3', AULA_DATA_DIR: '/tmp/aula-config-test' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ AULA_TRUST_PROXY: 'everyone', AULA_DATA_DIR: '/tmp/aula-config-test' })).toThrow(/AULA_TRUST_PROXY/);
    expect(() => loadConfig({ AULA_FRAME_ANCESTORS: "https://lms.example.edu; script-src 'unsafe-inline'", AULA_DATA_DIR: '/tmp/aula-config-test' })).toThrow(/AULA_FRAME_ANCESTORS/);
  });

  it('trusts no proxy by default, so a client cannot choose the address written to the audit log', () => {
    expect(loadConfig({ AULA_DATA_DIR: '/tmp/aula-config-test' }).trustProxy).toBe(false);
    expect(loadConfig({ AULA_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1', AULA_DATA_DIR: '/tmp/aula-config-test' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it('reads the ICE settings of native live classes and names the variable when one is wrong', async () => {
    const dir = { AULA_DATA_DIR: '/tmp/aula-config-test' };
    expect(loadConfig(dir).ice).toEqual({ servers: [], announcedAddress: undefined, portRange: undefined });
    const servers = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443'], username: 'aula', credential: 's3cret' }];
    const ice = loadConfig({ ...dir, AULA_ICE_SERVERS: JSON.stringify(servers), AULA_ICE_ANNOUNCED_ADDRESS: '203.0.113.9', AULA_ICE_PORT_RANGE: '40000-40100' }).ice;
    expect(ice).toEqual({ servers, announcedAddress: '203.0.113.9', portRange: [40000, 40100] });

    const wrong = (env: Record<string, string>) => () => loadConfig({ ...dir, ...env });
    expect(wrong({ AULA_ICE_SERVERS: 'stun:stun.example.org' })).toThrow(/^Invalid AULA_ICE_SERVERS: must be a JSON array/);
    expect(wrong({ AULA_ICE_SERVERS: '{"urls":"stun:stun.example.org"}' })).toThrow(/^Invalid AULA_ICE_SERVERS: .*expected array/);
    expect(wrong({ AULA_ICE_SERVERS: '[{"url":"stun:stun.example.org"}]' })).toThrow(/^Invalid AULA_ICE_SERVERS: \[0\]\.urls: /);
    expect(wrong({ AULA_ICE_SERVERS: '[{"urls":"https://stun.example.org"}]' })).toThrow(/^Invalid AULA_ICE_SERVERS: \[0\]\.urls: must be a stun:/);
    // A browser refuses a TURN server without credentials, so Aula does not start with one.
    expect(wrong({ AULA_ICE_SERVERS: '[{"urls":["stun:a.example.org","turn:b.example.org"]}]' })).toThrow(/^Invalid AULA_ICE_SERVERS: \[0\]: a turn: or turns: URL needs username and credential/);
    expect(wrong({ AULA_ICE_SERVERS: '[{"urls":"stun:a.example.org","user":"x"}]' })).toThrow(ConfigError);
    expect(wrong({ AULA_ICE_ANNOUNCED_ADDRESS: 'https://media.example.org' })).toThrow(/^Invalid AULA_ICE_ANNOUNCED_ADDRESS/);
    expect(wrong({ AULA_ICE_ANNOUNCED_ADDRESS: '0.0.0.0' })).toThrow(/^Invalid AULA_ICE_ANNOUNCED_ADDRESS/);
    expect(wrong({ AULA_ICE_PORT_RANGE: '40100-40000' })).toThrow(/^Invalid AULA_ICE_PORT_RANGE/);
    expect(wrong({ AULA_ICE_PORT_RANGE: '40000' })).toThrow(/^Invalid AULA_ICE_PORT_RANGE/);
    expect(wrong({ AULA_ICE_PORT_RANGE: '40000-70000' })).toThrow(/^Invalid AULA_ICE_PORT_RANGE/);

    // A hostname is resolved once at start; one that does not resolve stops the start naming the variable.
    expect(loadConfig({ ...dir, AULA_ICE_ANNOUNCED_ADDRESS: 'localhost' }).ice.announcedAddress).toBe('localhost');
    await expect(resolveAnnouncedAddress('localhost')).resolves.toBe('127.0.0.1');
    await expect(resolveAnnouncedAddress('203.0.113.9')).resolves.toBe('203.0.113.9');
    await expect(resolveAnnouncedAddress('no-such-host.invalid')).rejects.toThrow(/^Invalid AULA_ICE_ANNOUNCED_ADDRESS: no-such-host\.invalid does not resolve/);
  });

  it('keeps one generated secret per data dir', () => {
    const a = loadConfig({ AULA_DATA_DIR: '/tmp/aula-config-test' });
    const b = loadConfig({ AULA_DATA_DIR: '/tmp/aula-config-test' });
    expect(a.secret).toHaveLength(43);
    expect(b.secret).toBe(a.secret);
    expect(a.host).toBe('127.0.0.1');
    expect(a.port).toBe(8080);
  });
});

describe('foundation over real HTTP and SQLite', () => {
  let t: TestAula;
  beforeAll(async () => {
    t = await startAula();
  });
  afterAll(async () => t.close());

  it('reports health with a database check, metrics and the OpenAPI document', async () => {
    const health = await t.api<{ status: string; database: { ok: boolean } }>('GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body.database.ok).toBe(true);
    const openapi = await t.api<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json', { token: null });
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths)).toContain('/api/v1/courses');
    const docs = await fetch(`${t.url}/docs/`);
    expect(docs.status).toBe(200);
    const metrics = await t.api<string>('GET', '/metrics', { token: null });
    expect(metrics.body).toContain('aula_http_requests_total{method="GET",route="/health",status="200"}');
    expect(metrics.body).toContain('aula_http_request_duration_seconds_bucket');
  });

  it('lets only the configured sites frame its pages, and marks every response nosniff', async () => {
    const page = await fetch(`${t.url}/login`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const json = await fetch(`${t.url}/health`);
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('content-security-policy')).toBeNull();
    const embedded = await startAula({ AULA_FRAME_ANCESTORS: "'self' https://lms.example.edu" });
    try {
      const home = await fetch(`${embedded.url}/`);
      expect(home.headers.get('content-security-policy')).toBe("frame-ancestors 'self' https://lms.example.edu");
    } finally {
      await embedded.close();
    }
  });

  it('builds a catalog as admin and lets an enrolled student read it back', async () => {
    const course = await t.api<{ id: string }>('POST', '/api/v1/courses', { body: { title: 'Algebra', externalId: 'lms-course-1' } });
    expect(course.status).toBe(201);
    const chapter = await t.api<{ id: string }>('POST', `/api/v1/courses/${course.body.id}/chapters`, { body: { title: 'Equations' } });
    const l1 = await t.api<{ id: string; position: number }>('POST', `/api/v1/chapters/${chapter.body.id}/lessons`, { body: { title: 'Linear' } });
    const l2 = await t.api<{ id: string; position: number }>('POST', `/api/v1/chapters/${chapter.body.id}/lessons`, { body: { title: 'Quadratic', externalId: 'lms-lesson-2' } });
    expect([l1.body.position, l2.body.position]).toEqual([1, 2]);
    const batch = await t.api<{ id: string; courseIds: string[] }>('POST', '/api/v1/batches', { body: { name: 'Spring', courseIds: [course.body.id] } });
    expect(batch.body.courseIds).toEqual([course.body.id]);
    const student = await t.api<{ id: string }>('POST', '/api/v1/users', { body: { email: 'ana@example.test', name: 'Ana', role: 'student', password: 'ana-password', externalId: 'lms-user-ana' } });
    expect(student.status).toBe(201);
    const enroll = await t.api('POST', `/api/v1/batches/${batch.body.id}/students`, { body: { userId: student.body.id } });
    expect(enroll.status).toBe(201);
    const again = await t.api('POST', `/api/v1/batches/${batch.body.id}/students`, { body: { userId: student.body.id } });
    expect(again.status).toBe(200);

    const token = await login(t, 'ANA@example.test', 'ana-password');
    const courses = await t.api<{ items: { id: string }[] }>('GET', '/api/v1/courses', { token });
    expect(courses.body.items.map((c) => c.id)).toEqual([course.body.id]);
    const outline = await t.api<{ chapters: { lessons: { title: string }[] }[] }>('GET', `/api/v1/courses/${course.body.id}`, { token });
    expect(outline.body.chapters[0]?.lessons.map((l) => l.title)).toEqual(['Linear', 'Quadratic']);
    const lesson = await t.api<{ title: string }>('GET', `/api/v1/lessons/${l2.body.id}`, { token });
    expect(lesson.body.title).toBe('Quadratic');
    const byExternal = await t.api<{ items: { id: string }[] }>('GET', '/api/v1/lessons?externalId=lms-lesson-2', { token });
    expect(byExternal.body.items[0]?.id).toBe(l2.body.id);
    const userByExternal = await t.api<{ items: { id: string }[] }>('GET', '/api/v1/users?externalId=lms-user-ana');
    expect(userByExternal.body.items[0]?.id).toBe(student.body.id);

    // Another course, not in the student's batch, stays hidden.
    const other = await t.api<{ id: string }>('POST', '/api/v1/courses', { body: { title: 'Secret' } });
    const denied = await t.api<ErrorBody>('GET', `/api/v1/courses/${other.body.id}`, { token });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
  });

  it('paginates with a cursor in creation order', async () => {
    for (let i = 0; i < 5; i++) await t.api('POST', '/api/v1/courses', { body: { title: `Paged ${i}` } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await t.api('GET', `/api/v1/courses?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers every bad input with a clear JSON error and changes nothing', async () => {
    const before = await t.api<{ items: unknown[] }>('GET', '/api/v1/courses?limit=200');
    const malformed = await t.api<ErrorBody>('POST', '/api/v1/courses', { rawBody: '{"title": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');
    const huge = await t.api<ErrorBody>('POST', '/api/v1/courses', { rawBody: JSON.stringify({ title: 'x'.repeat(10 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
    const wrongType = await t.api<ErrorBody>('POST', '/api/v1/courses', { body: { title: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(/title/);
    const unknownField = await t.api<ErrorBody>('POST', '/api/v1/courses', { body: { title: 'ok', colour: 7 } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.code).toBe('validation_failed');
    const after = await t.api<{ items: unknown[] }>('GET', '/api/v1/courses?limit=200');
    expect(after.body.items.length).toBe(before.body.items.length);

    const unknownRoute = await t.api<ErrorBody>('GET', '/api/v1/nothing-here');
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.error.code).toBe('not_found');
    const unknownId = await t.api<ErrorBody>('GET', '/api/v1/lessons/00000000-0000-7000-8000-000000000000');
    expect(unknownId.status).toBe(404);

    const school = await seedSchool(t);
    // A course id where a lesson id is expected is simply not a lesson.
    const otherType = await t.api<ErrorBody>('GET', `/api/v1/lessons/${school.course.id}`);
    expect(otherType.status).toBe(404);
    const instructorId = school.batches[0]!.instructor.id;
    const enrollInstructor = await t.api<ErrorBody>('POST', `/api/v1/batches/${school.batches[0]!.id}/students`, { body: { userId: instructorId } });
    expect(enrollInstructor.status).toBe(422);
    expect(enrollInstructor.body.error.message).toMatch(/Only students/);
    const studentToken = school.batches[0]!.students[0]!.token;
    const studentWrite = await t.api<ErrorBody>('POST', '/api/v1/courses', { token: studentToken, body: { title: 'Mine' } });
    expect(studentWrite.status).toBe(403);
    expect(studentWrite.body.error.message).toMatch(/admin/);
    const noCreds = await t.api<ErrorBody>('GET', '/api/v1/courses', { token: null });
    expect(noCreds.status).toBe(401);
    const duplicate = await t.api<ErrorBody>('POST', '/api/v1/users', { body: { email: school.batches[0]!.students[0]!.email, name: 'Dup', role: 'student' } });
    expect(duplicate.status).toBe(409);
  });

  it('issues API keys once, stores them hashed and honours revocation', async () => {
    const created = await t.api<{ id: string; key: string }>('POST', '/api/v1/api-keys', { body: { name: 'Moodle' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^aula_k_/);
    const asKey = await t.api('GET', '/api/v1/courses', { token: created.body.key });
    expect(asKey.status).toBe(200);
    const list = await t.api<{ items: { id: string; prefix: string }[] }>('GET', '/api/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.items.find((k) => k.id === created.body.id)?.prefix).toBe(created.body.key.slice(0, 13));
    expect((await t.api('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    const revoked = await t.api<ErrorBody>('GET', '/api/v1/courses', { token: created.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toMatch(/revoked/);
  });

  it('lets an LMS mint a user token that acts as that user, and signs out', async () => {
    const school = await seedSchool(t);
    const studentId = school.batches[0]!.students[0]!.id;
    const minted = await t.api<{ token: string; expiresAt: string }>('POST', `/api/v1/users/${studentId}/tokens`, { body: { ttlSeconds: 600 } });
    expect(minted.status).toBe(201);
    const me = await t.api<{ id: string; role: string }>('GET', '/api/v1/me', { token: minted.body.token });
    expect(me.body).toMatchObject({ id: studentId, role: 'student' });
    const asStudent = await t.api<ErrorBody>('POST', `/api/v1/users/${studentId}/tokens`, { token: minted.body.token, body: {} });
    expect(asStudent.status).toBe(403);
    expect((await t.api('POST', '/api/v1/auth/logout', { token: minted.body.token })).status).toBe(204);
    expect((await t.api('GET', '/api/v1/me', { token: minted.body.token })).status).toBe(401);
    const wrong = await t.api<ErrorBody>('POST', '/api/v1/auth/login', { token: null, body: { email: school.batches[0]!.students[0]!.email, password: 'nope-nope' } });
    expect(wrong.status).toBe(401);
  });
});

describe('token expiry', () => {
  it('refuses an expired user token', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const t = await startAula({}, undefined, { now: () => now });
    try {
      const user = await t.api<{ id: string }>('POST', '/api/v1/users', { body: { email: 'exp@example.test', name: 'Exp', role: 'student' } });
      const minted = await t.api<{ token: string }>('POST', `/api/v1/users/${user.body.id}/tokens`, { body: { ttlSeconds: 60 } });
      expect((await t.api('GET', '/api/v1/me', { token: minted.body.token })).status).toBe(200);
      now = new Date(now.getTime() + 61_000);
      const expired = await t.api<ErrorBody>('GET', '/api/v1/me', { token: minted.body.token });
      expect(expired.status).toBe(401);
      expect(expired.body.error.message).toMatch(/expired/);
    } finally {
      await t.close();
    }
  });

  it('holds password guessing back after five failures for one email with 429', async () => {
    const t = await startAula();
    try {
      await t.api('POST', '/api/v1/users', { body: { email: 'guess@example.test', name: 'G', role: 'student', password: 'right-password' } });
      for (let i = 0; i < 5; i++) expect((await t.api('POST', '/api/v1/auth/login', { token: null, body: { email: 'guess@example.test', password: `wrong-${i}` } })).status).toBe(401);
      const blocked = await t.api<ErrorBody>('POST', '/api/v1/auth/login', { token: null, body: { email: 'guess@example.test', password: 'right-password' } });
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.code).toBe('too_many_requests');
    } finally {
      await t.close();
    }
  });

  it('uses the admin key exactly as given', async () => {
    const t = await startAula();
    try {
      expect((await t.api('GET', '/api/v1/users', { token: ADMIN_KEY })).status).toBe(200);
      expect((await t.api('GET', '/api/v1/users', { token: ADMIN_KEY + 'x' })).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
