import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';

type ErrorBody = { error: { code: string; message: string } };

describe('scheduling rules over HTTP', () => {
  let t: TestAula;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  beforeAll(async () => {
    t = await startAula();
    school = await seedSchool(t);
  });
  afterAll(async () => t?.close());
  const schedule = (body: Record<string, unknown>) =>
    t.api<{ id: string; autoRecord: boolean } & ErrorBody>('POST', '/api/v1/live-classes', { body: { title: 'Class', batchId: school.batches[0]!.id, durationMinutes: 30, ...body } });

  it('a live class cannot be scheduled in the past: 422 naming the time, and nothing is created', async () => {
    const before = await t.api<{ items: unknown[] }>('GET', `/api/v1/live-classes?batchId=${school.batches[0]!.id}`);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    for (const provider of ['native', 'livekit']) {
      const r = await schedule({ provider, startsAt: past });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('unprocessable');
      expect(r.body.error.message).toMatch(/in the past/);
    }
    const after = await t.api<{ items: unknown[] }>('GET', `/api/v1/live-classes?batchId=${school.batches[0]!.id}`);
    expect(after.body.items.length).toBe(before.body.items.length);
    // A start a minute ago is "now" typed slowly.
    expect((await schedule({ provider: 'native', startsAt: new Date(Date.now() - 60_000).toISOString() })).status).toBe(201);
  });

  it('an upload class may be dated in the past (a recording made last week is filed there)', async () => {
    const r = await schedule({ provider: 'upload', startsAt: new Date(Date.now() - 7 * 86_400_000).toISOString() });
    expect(r.status).toBe(201);
  });

  it('rescheduling into the past is refused too', async () => {
    const created = await schedule({ provider: 'native', startsAt: new Date(Date.now() + 3_600_000).toISOString() });
    const r = await t.api<ErrorBody>('PATCH', `/api/v1/live-classes/${created.body.id}`, { body: { startsAt: new Date(Date.now() - 86_400_000).toISOString() } });
    expect(r.status).toBe(422);
    expect(r.body.error.message).toMatch(/in the past/);
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await t.api<{ startsAt: string }>('PATCH', `/api/v1/live-classes/${created.body.id}`, { body: { startsAt: later } });
    expect(moved.status).toBe(200);
    expect(moved.body.startsAt).toBe(later);
  });

  it('auto-record defaults to what the provider can do: on for native, off for upload classes', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    expect((await schedule({ provider: 'native', startsAt: soon })).body.autoRecord).toBe(true);
    expect((await schedule({ provider: 'upload', startsAt: soon })).body.autoRecord).toBe(false);
    expect((await schedule({ provider: 'upload', startsAt: soon, autoRecord: true })).body.autoRecord).toBe(true);
  });
});
