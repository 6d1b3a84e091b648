import { z } from 'zod';
import { StorageObjectNotFound } from '../../adapters/storage/media-storage';
import { DomainError } from '../../domain/errors';
import { contentTypeOf, type LiveAudience } from '../../services/playback';
import type { HttpApp } from '../app';
import { errorBody, statusOf } from '../errors';

/**
 * The live HLS of a class being recorded, for its watch-only audience. The URL carries a token shared by every viewer
 * of the recording (no cookie or bearer is looked at), so a CDN or an nginx cache in front serves each file once per
 * window: segments are immutable, playlists are re-fetched every second or so.
 */
export function registerLiveMediaRoutes(app: HttpApp, deps: { audience: LiveAudience }) {
  app.get(
    '/live-media/:token/*',
    {
      schema: {
        tags: ['playback'], summary: 'Live HLS of a class being recorded: master and rendition playlists and segments, under a token shared by its audience', security: [],
        params: z.object({ token: z.string().max(300), '*': z.string().max(300) }),
      },
    },
    async (req, reply) => {
      const file = req.params['*'];
      const refuse = (status: number, code: string, message: string) => reply.status(status).header('cache-control', 'no-store').send(errorBody(code, message));
      let target;
      try {
        target = await deps.audience.resolve(req.params.token, file);
      } catch (err) {
        if (err instanceof DomainError) return refuse(statusOf(err), err.code, err.message);
        throw err;
      }
      const object = await deps.audience.lookup(target);
      if (!object) return refuse(404, 'not_found', `Live media file ${file} not found`);
      reply.header('content-type', contentTypeOf(file));
      // The token is the whole grant (no cookie is read), so a player served from a CDN's origin may fetch it too.
      reply.header('access-control-allow-origin', '*');
      // A playlist grows every segment (2 s); a segment, once listed, never changes.
      reply.header('cache-control', target.isPlaylist ? 'public, max-age=1' : 'public, max-age=31536000, immutable');
      reply.header('last-modified', object.info.lastModified.toUTCString());
      reply.header('content-length', object.info.size);
      if (object.body) return reply.send(object.body);
      try {
        return reply.send(await deps.audience.read(target.key));
      } catch (err) {
        if (err instanceof StorageObjectNotFound) return refuse(404, 'not_found', `Live media file ${file} not found`);
        throw err;
      }
    },
  );
}
