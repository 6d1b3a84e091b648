import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedSchool, startAula } from './support/aula';
import { startSmtpServer, startWebhookReceiver, waitUntil } from './support/emulators/mail-and-webhooks';
import { makeTestVideo } from './support/media';
import { freshPostgresDatabase, postgresUrl } from './support/services';

describe.skipIf(!postgresUrl)('mail, webhooks and share links on PostgreSQL', () => {
  it('a ready recording mails its batch and signs one recording.ready; a share link opens, counts and revokes', async () => {
    const pg = await freshPostgresDatabase();
    const smtp = await startSmtpServer();
    let secret = '';
    const receiver = await startWebhookReceiver(() => secret);
    const work = mkdtempSync(path.join(os.tmpdir(), 'aula-notify-pg-'));
    const t = await startAula({ DATABASE_URL: pg.url, SMTP_URL: smtp.url, AULA_MAIL_FROM: 'aula@school.test', AULA_WEBHOOK_ALLOW_PRIVATE: '1' });
    try {
      const school = await seedSchool(t, { studentsPerBatch: 2 });
      secret = (await t.api<{ secret: string }>('POST', '/api/v1/webhook-endpoints', { body: { url: receiver.url, eventTypes: ['recording.ready'] } })).body.secret;
      const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'PG', batchId: school.batches[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 5 } });
      const video = readFileSync(await makeTestVideo(path.join(work, 'v.mp4'), { seconds: 2 }));
      const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=v.mp4`, { rawBody: video, headers: { 'content-type': 'video/mp4' } });
      await waitUntil(() => smtp.accepted.length >= 3 && receiver.received.length >= 1, 60_000, 'deliveries');
      expect(smtp.accepted).toHaveLength(3);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.payload.data.recordingId).toBe(rec.body.id);

      const link = await t.api<{ id: string; token: string }>('POST', `/api/v1/recordings/${rec.body.id}/share-links`, { token: school.batches[0]!.instructor.token, body: { maxViews: 1 } });
      expect(link.status).toBe(201);
      expect((await t.api('GET', `/api/v1/shared/${link.body.token}`, { token: null })).status).toBe(200);
      expect((await t.api('GET', `/api/v1/shared/${link.body.token}`, { token: null })).status).toBe(403);
      await t.api('DELETE', `/api/v1/share-links/${link.body.id}`, { token: school.batches[0]!.instructor.token });
      const list = await t.api<{ items: { state: string; views: number }[] }>('GET', `/api/v1/recordings/${rec.body.id}/share-links`, { token: school.batches[0]!.instructor.token });
      expect(list.body.items[0]).toMatchObject({ state: 'revoked', views: 1 });
    } finally {
      await t.close();
      await smtp.close();
      await receiver.close();
      await pg.drop();
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
