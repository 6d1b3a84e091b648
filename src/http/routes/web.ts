import { existsSync } from 'node:fs';
import type { HttpApp } from '../app';
import { errorBody } from '../errors';

/** Paths of the browser app; each returns the single page, which routes on the client. */
const PAGE_PATHS = ['/login', '/console', '/lessons/:id', '/live/:id', '/recordings/:id', '/recordings/:id/analytics', '/batches/:id/report', '/search', '/live-classes/:id/attendance', '/share/:token'];

export function registerWebRoutes(app: HttpApp, webDistDir: string) {
  const built = existsSync(`${webDistDir}/index.html`);
  for (const url of PAGE_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      if (!built) return reply.status(503).send(errorBody('web_not_built', 'The web app is not built; run npm run build:web'));
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').sendFile('index.html', webDistDir);
    });
  }
}
