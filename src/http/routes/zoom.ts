import type { FastifyError } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ZoomService } from '../../services/providers/zoom';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

const Secret = z.string().min(1).max(500);
const AccountBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  accountId: z.string().trim().min(1).max(200),
  clientId: z.string().trim().min(1).max(200),
  clientSecret: Secret,
  webhookSecretToken: Secret,
  hostUser: z.string().trim().min(1).max(320).optional(),
});

const DateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((v) => (v.length === 10 ? v : new Date(v).toISOString().slice(0, 10)));
const SyncQuery = z.object({ from: DateOrTime.optional(), to: DateOrTime.optional() });

/** The Zoom body as received (for the signature) and as parsed. */
interface RawJsonBody {
  raw: Buffer;
  json: unknown;
}

function isRawJsonBody(body: unknown): body is RawJsonBody {
  return typeof body === 'object' && body !== null && 'raw' in body && Buffer.isBuffer((body as { raw: unknown }).raw);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function registerZoomRoutes(app: HttpApp, zoom: ZoomService) {
  app.post('/api/v1/providers/zoom/accounts', { schema: { tags: ['providers'], summary: 'Connect a Zoom account (Server-to-Server OAuth app) (admin); secrets are stored encrypted and never returned', body: AccountBody } }, async (req, reply) => {
    const account = await zoom.createAccount(principalOf(req), req.body);
    reply.status(201);
    return account;
  });
  app.get('/api/v1/providers/zoom/accounts', { schema: { tags: ['providers'], summary: 'Connected Zoom accounts (admin)' } }, async (req) => ({ items: await zoom.listAccounts(principalOf(req)) }));
  app.delete('/api/v1/providers/zoom/accounts/:id', { schema: { tags: ['providers'], summary: 'Disconnect a Zoom account (admin)', params: IdParam } }, async (req, reply) => {
    await zoom.deleteAccount(principalOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.post(
    '/api/v1/providers/zoom/:id/sync',
    { schema: { tags: ['providers'], summary: 'Import the account\'s cloud recordings of Aula classes between two dates (UTC, default the last 30 days) that are not in Aula yet (admin)', params: IdParam, querystring: SyncQuery } },
    async (req) => zoom.sync(principalOf(req), req.params.id, req.query),
  );

  // Zoom signs the exact bytes it sent, so this route keeps the raw body beside the parsed JSON.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
      const raw = body as Buffer;
      try {
        done(null, { raw, json: JSON.parse(raw.toString('utf8')) } satisfies RawJsonBody);
      } catch (err) {
        const error = Object.assign(new SyntaxError(err instanceof Error ? err.message : 'invalid JSON'), { statusCode: 400 }) as SyntaxError & Pick<FastifyError, 'statusCode'>;
        done(error, undefined);
      }
    });
    scope.post(
      '/webhooks/zoom/:accountId',
      { schema: { tags: ['providers'], summary: 'Zoom event notifications for one connected account (signed with its webhook secret token)', params: z.object({ accountId: z.string().min(1).max(100) }) } },
      async (req, reply) => {
        if (!isRawJsonBody(req.body)) {
          return reply.status(415).send({ error: { code: 'unsupported_media_type', message: 'Zoom events are sent as application/json' } });
        }
        return zoom.handleWebhook({
          accountId: req.params.accountId,
          rawBody: req.body.raw,
          body: req.body.json,
          timestamp: header(req.headers['x-zm-request-timestamp']),
          signature: header(req.headers['x-zm-signature']),
        });
      },
    );
  });
}
