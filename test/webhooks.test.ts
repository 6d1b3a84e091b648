import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { postWebhook } from '../src/adapters/webhooks/http-poster';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { startWebhookReceiver, waitUntil } from './support/emulators/mail-and-webhooks';

type Endpoint = { id: string; secret: string; status: string; disabledReason: string | null };
type Deliveries = { items: { id: string; status: string; attempts: number; eventType: string; log: { statusCode: number | null }[] }[] };

describe('outgoing webhooks (Standard Webhooks)', () => {
  let t: TestAula;
  let batchId: string;
  beforeAll(async () => {
    t = await startAula({ AULA_WEBHOOK_ALLOW_PRIVATE: '1' });
    batchId = (await seedSchool(t, { studentsPerBatch: 0 })).batches[0]!.id;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function register(url: string, eventTypes: string[]) {
    const r = await t.api<Endpoint>('POST', '/api/v1/webhook-endpoints', { body: { url, eventTypes } });
    expect(r.status).toBe(201);
    return r.body;
  }
  async function runClass(provider = 'upload') {
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Hooked', batchId, provider, startsAt: new Date().toISOString(), durationMinutes: 5, autoRecord: false } });
    expect((await t.api('POST', `/api/v1/live-classes/${cls.body.id}/start`)).status).toBe(200);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.body.id}/end`)).status).toBe(200);
    return cls.body.id;
  }

  it('an endpoint answering 500 and then 200 gets the event twice with the same webhook-id and body; the log shows both attempts', async () => {
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret, (n): number | { status: number; headers: Record<string, string> } => (n === 1 ? 500 : 200));
    try {
      const ep = await register(receiver.url, ['live_class.started']);
      secret = ep.secret;
      const classId = await runClass();
      await waitUntil(() => receiver.received.length >= 2, 20_000, 'retry after 5 s');
      expect(receiver.rejected).toEqual([]);
      const [a, b] = receiver.received as [typeof receiver.received[0], typeof receiver.received[0]];
      expect(a.answeredStatus).toBe(500);
      expect(b.answeredStatus).toBe(200);
      expect(b.id).toBe(a.id);
      expect(b.body).toBe(a.body);
      expect(Number(b.timestamp) - Number(a.timestamp)).toBeGreaterThanOrEqual(4);
      expect(a.payload).toMatchObject({ type: 'live_class.started', data: { liveClassId: classId, batchId } });
      const log = await waitUntil(async () => {
        const r = await t.api<Deliveries>('GET', `/api/v1/webhook-endpoints/${ep.id}/deliveries`);
        return r.body.items[0]?.status === 'delivered' ? r.body : null;
      }, 10_000, 'log');
      expect(log.items).toHaveLength(1);
      expect(log.items[0]!.log.map((l) => l.statusCode)).toEqual([500, 200]);

      // Redelivery sends the same message again.
      const again = await t.api('POST', `/api/v1/webhook-endpoints/${ep.id}/deliveries/${log.items[0]!.id}/redeliver`);
      expect(again.status).toBe(202);
      await waitUntil(() => receiver.received.length >= 3, 10_000, 'redelivery');
      expect(receiver.received[2]!.id).toBe(a.id);
    } finally {
      await receiver.close();
    }
  }, 60_000);

  it('410 Gone disables the endpoint: nothing more is sent to it until an admin enables it', async () => {
    let secret = '';
    let witnessSecret = '';
    const receiver = await startWebhookReceiver(() => secret, () => 410);
    // A second endpoint for the same events: once it has an event, that event's fan-out is done for every endpoint.
    const witness = await startWebhookReceiver(() => witnessSecret);
    try {
      const ep = await register(receiver.url, ['live_class.started']);
      secret = ep.secret;
      await runClass();
      const disabled = await waitUntil(async () => {
        const r = await t.api<Endpoint>('GET', `/api/v1/webhook-endpoints/${ep.id}`);
        return r.body.status === 'disabled' ? r.body : null;
      }, 10_000, 'disabled');
      expect(disabled.disabledReason).toMatch(/410/);
      witnessSecret = (await register(witness.url, ['live_class.started'])).secret;
      const second = await runClass();
      await waitUntil(() => witness.received.some((h) => h.payload.data.liveClassId === second), 10_000, 'witness');
      const log = await t.api<Deliveries>('GET', `/api/v1/webhook-endpoints/${ep.id}/deliveries`);
      expect(receiver.received).toHaveLength(1);
      expect(log.body.items).toHaveLength(1);
      expect(log.body.items[0]!.status).toBe('failed');
      // Enabled again by an admin, it receives the next event.
      expect((await t.api('PATCH', `/api/v1/webhook-endpoints/${ep.id}`, { body: { status: 'active' } })).status).toBe(200);
      await runClass();
      await waitUntil(() => receiver.received.length >= 2, 10_000, 'delivery after enabling');
    } finally {
      await receiver.close();
      await witness.close();
    }
  }, 30_000);

  it('429 with Retry-After throttles the endpoint for that long; a redirect is not followed', async () => {
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret, (n): number | { status: number; headers: Record<string, string> } => (n === 1 ? { status: 429, headers: { 'retry-after': '7' } } : n === 2 ? { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } } : 200));
    try {
      const ep = await register(receiver.url, ['live_class.started']);
      secret = ep.secret;
      await runClass();
      await waitUntil(() => receiver.received.length >= 2, 20_000, 'second attempt');
      const [first, second] = receiver.received as [typeof receiver.received[0], typeof receiver.received[0]];
      expect(Number(second.timestamp) - Number(first.timestamp)).toBeGreaterThanOrEqual(6);
      expect(second.answeredStatus).toBe(302);
      const log = await t.api<Deliveries>('GET', `/api/v1/webhook-endpoints/${ep.id}/deliveries`);
      expect(log.body.items[0]!.status).toBe('pending');
      expect(log.body.items[0]!.log.map((l) => l.statusCode)).toEqual([429, 302]);
    } finally {
      await receiver.close();
    }
  }, 40_000);

  it('a rotated secret: during the overlap every delivery verifies with either secret; the new secret is shown once', async () => {
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    try {
      const ep = await register(receiver.url, ['live_class.ended', 'attendance.ready']);
      const rotated = await t.api<Endpoint>('POST', `/api/v1/webhook-endpoints/${ep.id}/rotate-secret`, { body: { overlapHours: 1 } });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).not.toBe(ep.secret);
      secret = rotated.body.secret;
      await runClass('native');
      await waitUntil(() => receiver.received.length >= 2, 10_000, 'deliveries');
      expect(receiver.received.map((r) => r.payload.type).sort()).toEqual(['attendance.ready', 'live_class.ended']);
      for (const hook of receiver.received) {
        const headers = { 'webhook-id': hook.id, 'webhook-timestamp': hook.timestamp, 'webhook-signature': hook.signature };
        expect(() => new Webhook(ep.secret).verify(hook.body, headers)).not.toThrow();
        expect(() => new Webhook(rotated.body.secret).verify(hook.body, headers)).not.toThrow();
      }
      expect(receiver.received.find((r) => r.payload.type === 'attendance.ready')!.payload.data.attendanceUrl).toMatch(/\/attendance$/);
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('bad input is a clear 4xx: unknown event types, non-HTTP URLs, and non-admins', async () => {
    const bad = await t.api<{ error: { code: string } }>('POST', '/api/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/x', eventTypes: ['recording.exploded'] } });
    expect(bad.status).toBe(400);
    const ftp = await t.api<{ error: { code: string } }>('POST', '/api/v1/webhook-endpoints', { body: { url: 'ftp://example.org/x', eventTypes: ['recording.ready'] } });
    expect(ftp.status).toBe(400);
    const school = await seedSchool(t, { studentsPerBatch: 1 });
    const asInstructor = await t.api('POST', '/api/v1/webhook-endpoints', { token: school.batches[0]!.instructor.token, body: { url: 'http://127.0.0.1:9/x', eventTypes: ['recording.ready'] } });
    expect(asInstructor.status).toBe(403);
  });
});

describe('webhook endpoints on private addresses', () => {
  it('are refused unless AULA_WEBHOOK_ALLOW_PRIVATE is set; without SMTP_URL /health says mail is off', async () => {
    const t = await startAula();
    try {
      expect((await t.api<{ mail: string }>('GET', '/health')).body.mail).toBe('off');
      for (const url of ['http://127.0.0.1:8080/hooks', 'http://10.1.2.3/hooks', 'http://[::1]/hooks', 'http://169.254.169.254/latest', 'http://localhost/hooks']) {
        const r = await t.api<{ error: { code: string; message: string } }>('POST', '/api/v1/webhook-endpoints', { body: { url, eventTypes: ['recording.ready'] } });
        expect(r.status, url).toBe(422);
        expect(r.body.error.message).toMatch(/AULA_WEBHOOK_ALLOW_PRIVATE/);
      }
    } finally {
      await t.close();
    }
  });
});

describe('the webhook client', () => {
  it('checks the address it connects to: a name resolving to loopback is refused unless private addresses are allowed', async () => {
    const receiver = await startWebhookReceiver(() => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      const refused = await postWebhook({ url, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: false });
      expect(refused).toMatchObject({ statusCode: null, error: expect.stringMatching(/private address/) });
      const allowed = await postWebhook({ url, headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: true });
      expect(allowed.statusCode).toBe(401); // reached the receiver, which finds no valid signature
    } finally {
      await receiver.close();
    }
  });
});
