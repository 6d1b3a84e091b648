import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../domain/notifications/events';
import type { NotificationPreferences } from '../../services/notifications/preferences';
import type { WebhookEndpointService } from '../../services/notifications/webhook-endpoints';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

const EndpointUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);
const EventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const EndpointBody = z.strictObject({ url: EndpointUrl, eventTypes: EventTypes, description: z.string().max(500).optional() });
const EndpointPatch = z.strictObject({ url: EndpointUrl.optional(), eventTypes: EventTypes.optional(), description: z.string().max(500).optional(), status: z.enum(['active', 'disabled']).optional() });
const TokenQuery = z.object({ token: z.string().min(10).max(300) });

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1c1e21}button{font:inherit;padding:.5rem 1rem}</style></head><body>${body}</body></html>`;
}

export function registerNotificationRoutes(app: HttpApp, deps: { endpoints: WebhookEndpointService; preferences: NotificationPreferences; schoolName: string }) {
  // ---- outgoing webhooks (admin)
  app.post('/api/v1/webhook-endpoints', { schema: { tags: ['webhooks'], summary: 'Register a webhook endpoint (admin); the answer carries its secret, shown only once', body: EndpointBody } }, async (req, reply) => {
    reply.status(201);
    return deps.endpoints.create(principalOf(req), req.body);
  });
  app.get('/api/v1/webhook-endpoints', { schema: { tags: ['webhooks'], summary: 'Webhook endpoints (admin)' } }, async (req) => deps.endpoints.list(principalOf(req)));
  app.get('/api/v1/webhook-endpoints/:id', { schema: { tags: ['webhooks'], params: IdParam } }, async (req) => deps.endpoints.get(principalOf(req), req.params.id));
  app.patch('/api/v1/webhook-endpoints/:id', { schema: { tags: ['webhooks'], summary: 'Change URL, events or description; status active re-enables a disabled endpoint', params: IdParam, body: EndpointPatch } }, async (req) =>
    deps.endpoints.update(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/webhook-endpoints/:id', { schema: { tags: ['webhooks'], params: IdParam } }, async (req, reply) => {
    await deps.endpoints.remove(principalOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.post(
    '/api/v1/webhook-endpoints/:id/rotate-secret',
    { schema: { tags: ['webhooks'], summary: 'New secret (shown once); the old one keeps signing beside it for overlapHours', params: IdParam, body: z.strictObject({ overlapHours: z.number().min(0).max(24 * 7).default(24) }).default({ overlapHours: 24 }) } },
    async (req) => deps.endpoints.rotateSecret(principalOf(req), req.params.id, req.body.overlapHours),
  );
  app.get(
    '/api/v1/webhook-endpoints/:id/deliveries',
    { schema: { tags: ['webhooks'], summary: 'Delivery log: messages newest first with every attempt', params: IdParam, querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(100).optional(), status: z.enum(['pending', 'sending', 'delivered', 'failed', 'cancelled']).optional() }) } },
    async (req) => deps.endpoints.deliveries(principalOf(req), req.params.id, req.query),
  );
  app.post(
    '/api/v1/webhook-endpoints/:id/deliveries/:messageId/redeliver',
    { schema: { tags: ['webhooks'], summary: 'Send a message again, with the same webhook-id and body', params: z.object({ id: z.string().min(1).max(100), messageId: z.string().min(1).max(100) }) } },
    async (req, reply) => {
      reply.status(202);
      return deps.endpoints.redeliver(principalOf(req), req.params.id, req.params.messageId);
    },
  );

  // ---- each user's mail setting
  app.get('/api/v1/me/notifications', { schema: { tags: ['notifications'], summary: 'Your mail setting, and whether the mail server refused your address' } }, async (req) => deps.preferences.mine(principalOf(req)));
  app.put('/api/v1/me/notifications', { schema: { tags: ['notifications'], body: z.strictObject({ email: z.boolean() }) } }, async (req) => deps.preferences.setMine(principalOf(req), req.body));

  // ---- the link in every mail: no sign-in; POST is RFC 8058 one-click (what mail clients' unsubscribe button sends)
  app.get('/api/v1/notifications/unsubscribe', { schema: { tags: ['notifications'], summary: 'Page behind the unsubscribe link of a mail', security: [], querystring: TokenQuery } }, async (req, reply) => {
    const token = escapeHtml(req.query.token);
    return reply.type('text/html; charset=utf-8').send(page(`Unsubscribe · ${deps.schoolName}`, `<h1>Stop mails from ${escapeHtml(deps.schoolName)}?</h1>
<p>You will no longer get mails about new or failed recordings. You can turn them on again in your settings.</p>
<form method="post" action="/api/v1/notifications/unsubscribe?token=${token}"><button type="submit">Unsubscribe</button></form>`));
  });
  app.post('/api/v1/notifications/unsubscribe', { schema: { tags: ['notifications'], summary: 'One-click unsubscribe (RFC 8058)', security: [], querystring: TokenQuery } }, async (req, reply) => {
    await deps.preferences.setByToken(req.query.token, false);
    if ((req.headers.accept ?? '').includes('application/json')) return { email: false };
    const token = escapeHtml(req.query.token);
    return reply.type('text/html; charset=utf-8').send(page(`Unsubscribed · ${deps.schoolName}`, `<h1>You are unsubscribed</h1><p>${escapeHtml(deps.schoolName)} will not mail you about recordings any more.</p>
<form method="post" action="/api/v1/notifications/resubscribe?token=${token}"><button type="submit">Undo</button></form>`));
  });
  app.post('/api/v1/notifications/resubscribe', { schema: { tags: ['notifications'], summary: 'Undo an unsubscribe from the same link', security: [], querystring: TokenQuery } }, async (req, reply) => {
    await deps.preferences.setByToken(req.query.token, true);
    if ((req.headers.accept ?? '').includes('application/json')) return { email: true };
    return reply.type('text/html; charset=utf-8').send(page(`Subscribed · ${deps.schoolName}`, `<h1>Mails are on again</h1>`));
  });
}
