import { z } from 'zod';
import { AccessDenied } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { ViewerAccess } from '../../services/viewer-access';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';

/**
 * Server-sent events of recording and live-class changes for the instructor console. EventSource cannot set headers,
 * so this one route also accepts the bearer token as `?token=`.
 */
export function registerEventRoutes(app: HttpApp, deps: { feed: ChangeFeed; access: ViewerAccess; authenticate(bearer: string): Promise<Principal> }) {
  const open = new Set<() => void>();
  // Streams never end on their own; closing the server ends them so shutdown is not held up.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/api/v1/events',
    { schema: { tags: ['recordings'], summary: 'Live recording and live-class state changes (text/event-stream: `recording` and `live-class` events) for the caller\'s batches', querystring: z.object({ token: z.string().max(200).optional(), batchId: z.string().max(100).optional() }) } },
    async (req, reply) => {
      const principal = req.principal ?? (req.query.token ? await deps.authenticate(req.query.token) : principalOf(req));
      if (principal.role === 'student') throw new AccessDenied('Only instructors and admins receive live recording updates');
      const scope = await deps.access.batchScope(principal);
      const allowed = scope ? new Set(scope) : null;
      const only = req.query.batchId;

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\n\nretry: 2000\n\n');
      const unsubscribe = deps.feed.subscribe((change) => {
        if (allowed && !allowed.has(change.batchId)) return;
        if (only && change.batchId !== only) return;
        res.write(`event: ${change.kind}\ndata: ${JSON.stringify(change)}\n\n`);
      });
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const closeStream = () => {
        clearInterval(keepAlive);
        unsubscribe();
        open.delete(closeStream);
        if (!res.writableEnded) res.end();
      };
      open.add(closeStream);
      req.raw.on('close', closeStream);
    },
  );
}
