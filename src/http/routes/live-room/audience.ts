import type { LiveRoomService } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { principalOf } from '../../auth';
import { IdParam } from '../../schemas';

export function registerAudienceRoute(app: HttpApp, rooms: Pick<LiveRoomService, 'audienceStream'>): void {
  app.get(
    '/api/v1/live-classes/:id/audience',
    {
      schema: {
        tags: ['live-classes'],
        summary: "The live HLS of a native class being recorded, for its students and instructors: the same URL for every viewer until it expires (the live page renews it); 409 when the class is not live or not recorded",
        params: IdParam,
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'private, no-store');
      return rooms.audienceStream(principalOf(req), req.params.id);
    },
  );
}
