import type { FastifyError } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProviderAccounts } from '../../services/providers/accounts';
import type { ProviderModule } from '../../services/providers/provider-module';
import type { WebhookIntake } from '../../services/providers/webhook-intake';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

/** Content types providers send their events with (LiveKit: `application/webhook+json`). */
const WEBHOOK_CONTENT_TYPES = ['application/json', 'application/webhook+json'];

function firstHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

export interface ProviderRouteDeps {
  modules: readonly ProviderModule[];
  accounts: ProviderAccounts;
  intake: WebhookIntake;
}

/** Provider accounts (the same routes for every provider) and the one webhook intake. */
export function registerProviderRoutes(app: HttpApp, deps: ProviderRouteDeps) {
  const { accounts } = deps;
  for (const module of deps.modules) {
    const base = `/api/v1/providers/${module.name}/accounts`;
    app.post(base, { schema: { tags: ['providers'], summary: `Connect a ${module.label} account (admin); secrets are stored encrypted and never returned`, body: module.accounts.input } }, async (req, reply) => {
      const view = await accounts.create(principalOf(req), module.name, module.accounts, req.body);
      reply.status(201);
      return view;
    });
    app.get(base, { schema: { tags: ['providers'], summary: `Connected ${module.label} accounts (admin)` } }, async (req) => ({ items: await accounts.list(principalOf(req), module.name, module.accounts) }));
    app.delete(`${base}/:id`, { schema: { tags: ['providers'], summary: `Disconnect a ${module.label} account (admin)`, params: IdParam } }, async (req, reply) => {
      await accounts.remove(principalOf(req), module.name, module.accounts, module.label, req.params.id);
      return reply.status(204).send();
    });
  }

  // Providers sign the exact bytes they sent: the body is kept raw (and checked to be JSON) for the signature.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(WEBHOOK_CONTENT_TYPES, { parseAs: 'buffer' }, (_req, body, done) => {
      const raw = body as Buffer;
      try {
        JSON.parse(raw.toString('utf8'));
        done(null, raw);
      } catch (err) {
        const error = Object.assign(new SyntaxError(err instanceof Error ? err.message : 'invalid JSON'), { statusCode: 400 }) as SyntaxError & Pick<FastifyError, 'statusCode'>;
        done(error, undefined);
      }
    });
    scope.post(
      '/webhooks/:provider/:accountId',
      {
        schema: {
          tags: ['providers'],
          summary: 'Event notifications from a provider for one connected account, signed as the provider signs them',
          params: z.object({ provider: z.enum(deps.modules.map((m) => m.name) as [string, ...string[]]), accountId: z.string().min(1).max(100) }),
        },
      },
      async (req, reply) => {
        if (!Buffer.isBuffer(req.body)) {
          return reply.status(415).send({ error: { code: 'unsupported_media_type', message: `Provider events are sent as ${WEBHOOK_CONTENT_TYPES.join(' or ')}` } });
        }
        return deps.intake.receive(req.params.provider, req.params.accountId, { rawBody: req.body, headers: firstHeaders(req.headers) });
      },
    );
  });
}
