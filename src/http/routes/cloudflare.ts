import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';
import type { Principal } from '../../domain/identity';

export type RotateStreamKey = (viewer: Principal, liveClassId: string) => Promise<unknown>;

/** Cloudflare's one route of its own: a new stream key for a class's live input (the old one stops working). */
export function registerCloudflareRoutes(app: HttpApp, rotate: RotateStreamKey) {
  app.post(
    '/api/v1/live-classes/:id/stream-key/rotate',
    { schema: { tags: ['live-classes'], summary: 'Issue a new RTMPS stream key for a Cloudflare live input class (the batch\'s staff); the old key stops working', params: IdParam } },
    async (req) => rotate(principalOf(req), req.params.id),
  );
}
