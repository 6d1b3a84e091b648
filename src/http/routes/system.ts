import { z } from 'zod';
import type { HttpApp } from '../app';
import { errorBody } from '../errors';
import type { HttpMetrics } from '../metrics';
import { ErrorResponse } from '../schemas';

import { safeEqual } from '../../adapters/crypto';

export function registerSystemRoutes(app: HttpApp, deps: { ping(): Promise<void>; metrics: HttpMetrics; version: string; metricsToken: string | undefined; media: { available: true; version: string } | { available: false; reason: string }; mail: 'on' | 'off' }) {
  app.get('/health', { schema: { tags: ['system'], summary: 'Liveness, database check, media (FFmpeg) and whether mail is configured', security: [] } }, async (_req, reply) => {
    const started = performance.now();
    try {
      await deps.ping();
      const media = deps.media.available ? { ok: true, ffmpeg: deps.media.version } : { ok: false, reason: deps.media.reason };
      // Still 200: the server is alive and serves what it has; `degraded` tells an operator what is missing.
      return { status: deps.media.available ? 'ok' : 'degraded', version: deps.version, database: { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 }, media, mail: deps.mail };
    } catch (err) {
      return reply.status(503).send(errorBody('unavailable', `Database check failed: ${(err as Error).message}`));
    }
  });

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (with AULA_METRICS_TOKEN set: Authorization: Bearer <that token>)', security: [], response: { 200: z.string(), 401: ErrorResponse } } }, async (req, reply) => {
    if (deps.metricsToken) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(given, deps.metricsToken)) {
        return reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').send(errorBody('unauthenticated', 'Metrics need Authorization: Bearer <AULA_METRICS_TOKEN>'));
      }
    }
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
