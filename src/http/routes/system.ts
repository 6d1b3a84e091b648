import { z } from 'zod';
import type { HttpApp } from '../app';
import { errorBody } from '../errors';
import type { HttpMetrics } from '../metrics';

export function registerSystemRoutes(app: HttpApp, deps: { ping(): Promise<void>; metrics: HttpMetrics; version: string; mail: 'on' | 'off' }) {
  app.get('/health', { schema: { tags: ['system'], summary: 'Liveness, database check, and whether mail is configured', security: [] } }, async (_req, reply) => {
    const started = performance.now();
    try {
      await deps.ping();
      return { status: 'ok', version: deps.version, database: { ok: true, ms: Math.round((performance.now() - started) * 100) / 100 }, mail: deps.mail };
    } catch (err) {
      return reply.status(503).send(errorBody('unavailable', `Database check failed: ${(err as Error).message}`));
    }
  });

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics', security: [], response: { 200: z.string() } } }, async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
