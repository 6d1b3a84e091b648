import { z } from 'zod';
import type { ShareLinkService } from '../../services/notifications/share-links';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam, IsoDateTime } from '../schemas';

const CreateBody = z.strictObject({
  expiresAt: IsoDateTime.optional(),
  expiresInHours: z.number().positive().max(90 * 24).optional(),
  maxViews: z.number().int().min(1).max(1_000_000).nullable().optional(),
  label: z.string().trim().max(200).optional(),
}).refine((b) => !(b.expiresAt && b.expiresInHours), 'give expiresAt or expiresInHours, not both');
const TokenParam = z.object({ token: z.string().min(16).max(100).regex(/^[A-Za-z0-9_-]+$/) });
const HeartbeatBody = z.strictObject({
  sessionId: z.string().min(8).max(100).regex(/^[A-Za-z0-9-]+$/),
  position: z.number().min(0).max(7 * 24 * 3600),
  playing: z.boolean(),
  event: z.enum(['heartbeat', 'play', 'pause', 'seek', 'ended']).optional(),
});

export function registerShareLinkRoutes(app: HttpApp, shares: ShareLinkService) {
  app.post('/api/v1/recordings/:id/share-links', { schema: { tags: ['share links'], summary: 'Share one recording with people outside its batch (staff); the URL is shown once', params: IdParam, body: CreateBody } }, async (req, reply) => {
    reply.status(201);
    return shares.create(principalOf(req), req.params.id, req.body);
  });
  app.get('/api/v1/recordings/:id/share-links', { schema: { tags: ['share links'], summary: "A recording's share links with their views", params: IdParam } }, async (req) => shares.list(principalOf(req), req.params.id));
  app.delete('/api/v1/share-links/:id', { schema: { tags: ['share links'], summary: 'Revoke a share link: playing through it stops within 30 s', params: IdParam } }, async (req) => shares.revoke(principalOf(req), req.params.id));

  // ---- the guest's side: the link's token is the only credential
  app.get('/api/v1/shared/:token', { schema: { tags: ['share links'], summary: 'Open a share link: counts a view, returns the recording and signed playback URLs', security: [], params: TokenParam } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return shares.open(req.params.token, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
  });
  app.post('/api/v1/shared/:token/progress', { schema: { tags: ['share links'], summary: "A guest player's heartbeat", security: [], params: TokenParam, body: HeartbeatBody } }, async (req) =>
    shares.heartbeat(req.params.token, req.body, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null }),
  );
}
