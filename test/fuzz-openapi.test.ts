import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, seedSchool, startAula, type TestAula } from './support/aula';
import { encodeLoose, type JsonSchema, mutatedBody, pathValue, queryValue, seededRandom } from './support/fuzz';

type Operation = { method: string; path: string; params: { in: string; name: string; schema: JsonSchema }[]; body: JsonSchema | null; rawBody: boolean };

const SEED = Number(process.env.AULA_FUZZ_SEED ?? 20261201);
// A bounded run for every test run; a longer one with AULA_FUZZ_SECONDS (and another seed with AULA_FUZZ_SEED).
const TIME_BUDGET_MS = Number(process.env.AULA_FUZZ_SECONDS ?? 20) * 1000;
const REQUESTS_PER_OPERATION = 220;
const CONCURRENCY = 6;

describe('the API survives hostile input on every documented operation', () => {
  let t: TestAula;
  let ids: string[];
  let tokens: string[];

  beforeAll(async () => {
    // Providers' hosts point at a closed local port: nothing leaves the machine, and refusals are immediate.
    t = await startAula({ ZOOM_API_BASE: 'http://127.0.0.1:9/v2', ZOOM_OAUTH_BASE: 'http://127.0.0.1:9' });
    const school = await seedSchool(t, { batches: 2 });
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
      body: { title: 'Fuzz', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: '2030-01-01T10:00:00Z', durationMinutes: 30 },
    });
    ids = [school.course.id, school.chapter.id, ...school.lessons.map((l) => l.id), ...school.batches.map((b) => b.id), school.batches[0]!.students[0]!.id, school.batches[0]!.instructor.id, cls.body.id, '01900000-0000-7000-8000-000000000000'];
    tokens = [ADMIN_KEY, ADMIN_KEY, ADMIN_KEY, school.batches[0]!.students[0]!.token, school.batches[0]!.instructor.token, '', 'aula_t_forged', 'aula_k_forged', 'x'.repeat(3000)];
  }, 60_000);
  afterAll(() => t.close());

  it('answers every malformed, boundary and random request below 500 and in the documented error shape', async () => {
    const doc = (await t.api<{ paths: Record<string, Record<string, { parameters?: Operation['params']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>> }>('GET', '/openapi.json')).body;
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const json = op.requestBody?.content['application/json']?.schema ?? null;
        const raw = /\/(uploads|chat|captions)$|^\/webhooks\//.test(path);
        operations.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: json, rawBody: raw });
      }
    }
    expect(operations.length).toBeGreaterThan(60);

    const r = seededRandom(SEED);
    const histogram = new Map<number | string, number>();
    const failures: string[] = [];
    let sent = 0;
    const started = Date.now();
    const deadline = started + TIME_BUDGET_MS;

    async function send(op: Operation) {
      let path = op.path;
      const query: string[] = [];
      for (const p of op.params) {
        if (p.in === 'path') path = path.replace(`{${p.name}}`, pathValue(r, ids));
        else if (p.in === 'query' && r.chance(0.6)) query.push(`${encodeURIComponent(p.name)}=${encodeLoose(queryValue(p.schema ?? {}, r, p.name, ids))}`);
      }
      if (r.chance(0.05)) query.push(`${r.pick(['limit', 'cursor', 'x', '__proto__', 'constructor'])}=${encodeLoose(queryValue({}, r, 'x', ids))}`);
      const url = `${t.url}${path}${query.length ? `?${query.join('&')}` : ''}`;
      // An API client asks for JSON; LTI's browser routes answer a person's browser with a readable page instead.
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = r.pick(tokens);
      if (token) headers.authorization = r.chance(0.9) ? `Bearer ${token}` : r.pick([token, `Basic ${token}`, 'Bearer', 'Bearer  a b']);
      let body: string | Uint8Array<ArrayBuffer> | undefined;
      if (op.body && r.chance(0.92)) {
        const b = mutatedBody(op.body, r, ids);
        body = b.text;
        if (b.contentType) headers['content-type'] = b.contentType;
      } else if (op.rawBody) {
        body = new Uint8Array(Array.from({ length: r.int(0, 4096) }, () => r.int(0, 255)));
        headers['content-type'] = r.pick(['video/mp4', 'application/x-ndjson', 'text/vtt', 'application/json', 'text/plain', 'application/octet-stream', 'image/png']);
      } else if (['POST', 'PUT', 'PATCH'].includes(op.method) && r.chance(0.2)) {
        body = r.pick(['{}', 'null', '[]', 'x']);
        headers['content-type'] = 'application/json';
      }
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 15_000);
      sent += 1;
      try {
        const res = await fetch(url, { method: op.method, headers, body, signal: controller.signal });
        histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
        // A path such as /recordings/../events reaches the event stream too: recognise the stream, not the route.
        if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          histogram.set('stream', (histogram.get('stream') ?? 0) + 1);
          await res.body?.cancel();
          return;
        }
        const text = await res.text();
        if (res.status >= 500) failures.push(`${res.status} ${op.method} ${url.slice(0, 200)} → ${text.slice(0, 200)}`);
        if (res.status >= 400) {
          let shaped = false;
          try {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            shaped = typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
          } catch {
            shaped = false;
          }
          if (!shaped || !(res.headers.get('content-type') ?? '').includes('json')) failures.push(`unshaped ${res.status} ${op.method} ${url.slice(0, 200)} → ${text.slice(0, 200)}`);
        }
      } catch (err) {
        histogram.set('error', (histogram.get('error') ?? 0) + 1);
        failures.push(`no answer ${op.method} ${url.slice(0, 200)}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }

    // Round-robin over the operations, each round in a new random order, so a run cut short by the time budget
    // still reaches every operation about equally. Sign-ins cost a password hash each: they take part in fewer rounds.
    const plan: Operation[] = [];
    for (let round = 0; round < REQUESTS_PER_OPERATION; round++) {
      const order = operations.filter((op) => round < 40 || !/\/auth\/(login|password)$/.test(op.path));
      for (let i = order.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      plan.push(...order);
    }
    const perOperation = new Map<Operation, number>();
    let next = 0;
    // The time budget, but never fewer than ten rounds: a loaded machine takes longer instead of testing less.
    const leastRequests = operations.length * 10;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < plan.length && (Date.now() < deadline || next < leastRequests)) {
          const op = plan[next++]!;
          perOperation.set(op, (perOperation.get(op) ?? 0) + 1);
          await send(op);
        }
      }),
    );

    // Concurrency on unique fields: one create wins, the rest are 409.
    for (const [path, body] of [
      ['/api/v1/users', (i: number) => ({ email: 'race@example.org', name: `Race ${i}`, role: 'student' })],
      ['/api/v1/courses', () => ({ title: 'Race', externalId: 'race-course' })],
      ['/api/v1/batches', () => ({ name: 'Race', externalId: 'race-batch' })],
    ] as const) {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.api<unknown>('POST', path, { body: body(i) })));
      sent += answers.length;
      for (const a of answers) histogram.set(a.status, (histogram.get(a.status) ?? 0) + 1);
      expect(answers.filter((a) => a.status === 201).length, path).toBe(1);
      expect(answers.filter((a) => a.status === 409).length, path).toBe(11);
    }

    const seconds = (Date.now() - started) / 1000;
    const table = [...histogram.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`fuzz (seed ${SEED}): ${sent} requests over ${operations.length} operations (${Math.min(...operations.map((op) => perOperation.get(op) ?? 0))}–${Math.max(...operations.map((op) => perOperation.get(op) ?? 0))} each) in ${seconds.toFixed(1)} s; statuses ${table}`);
    expect(failures.slice(0, 20)).toEqual([]);
    // Even on a loaded machine every operation gets its share (a few hundred each when the machine is idle).
    expect(Math.min(...operations.map((op) => perOperation.get(op) ?? 0))).toBeGreaterThanOrEqual(10);
    expect((await t.api('GET', '/health')).status).toBe(200);
  }, 120_000);
});
