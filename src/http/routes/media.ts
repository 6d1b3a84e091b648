import { z } from 'zod';
import { StorageObjectNotFound, type ByteRange } from '../../adapters/storage/media-storage';
import type { AuditLog } from '../../services/audit';
import { apiKeyOfViewer, contentTypeOf, type PlaybackService, shareLinkOfViewer } from '../../services/playback';
import type { HttpApp } from '../app';
import { errorBody } from '../errors';
import { viewerFromCookie } from '../viewer-cookie';

/** Parses a single `bytes=` range against the object size; `null` when absent, `'invalid'` for 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

function downloadName(title: string): string {
  const ascii = title.normalize('NFKD').replace(/[^\w\- ]+/g, '').trim().replace(/\s+/g, '-').slice(0, 80) || 'recording';
  return ascii;
}

export function registerMediaRoutes(app: HttpApp, deps: { playback: PlaybackService; audit: AuditLog }) {
  app.get(
    '/media/:token/*',
    { schema: { tags: ['playback'], summary: 'Signed media: playlists, segments, images, tracks and the MP4 download', security: [], params: z.object({ token: z.string().max(300), '*': z.string().max(300) }) } },
    async (req, reply) => {
      const file = req.params['*'];
      const ctx = { ip: req.ip, userAgent: req.headers['user-agent'] ?? null };
      let target;
      try {
        target = await deps.playback.resolve(req.params.token, file);
      } catch (err) {
        deps.audit.record({ actor: req.principal, recordingId: null, action: file === 'download.mp4' ? 'media.download' : 'media.fetch', outcome: 'denied', ctx, detail: `${file}: ${(err as Error).message}` });
        throw err;
      }
      // A request that carries credentials (the player's bearer token, else the browser's viewer cookie) must come
      // from the viewer the link was issued to.
      // A bearer token that does not authenticate proves nothing, so the browser's cookie still decides.
      const principal = req.principal;
      const caller = principal ? (principal.kind === 'user' ? principal : null) : viewerFromCookie(req);
      const callerUserId = caller?.userId ?? null;
      // A share link is for whoever holds it, signed in or not.
      if (caller && callerUserId && caller.role !== 'admin' && callerUserId !== target.viewerId && shareLinkOfViewer(target.viewerId) === null) {
        deps.audit.record({ actor: principal, actorUserId: callerUserId, recordingId: target.recordingId, action: 'media.fetch', outcome: 'denied', ctx, detail: 'link issued to another viewer' });
        return reply.status(403).send(errorBody('forbidden', 'This playback link was issued to another viewer'));
      }
      const object = await deps.playback.lookup(target.key, target.recording);
      if (!object) return reply.status(404).send(errorBody('not_found', `Media file ${file} not found`));

      const stat = object.info;
      const isPlaylist = file.endsWith('.m3u8') || file.endsWith('.vtt');
      reply.header('accept-ranges', 'bytes');
      reply.header('content-type', contentTypeOf(file));
      // The master playlist grows as renditions finish, so playlists are re-fetched; segments never change.
      reply.header('cache-control', isPlaylist ? 'private, max-age=2' : 'private, max-age=31536000, immutable');
      reply.header('last-modified', stat.lastModified.toUTCString());
      if (file === 'download.mp4') {
        const name = downloadName(target.title);
        reply.header('content-disposition', `attachment; filename="${name}.mp4"; filename*=UTF-8''${encodeURIComponent(name)}.mp4`);
      }

      const range = parseRange(req.headers.range, stat.size);
      if (range === 'invalid') {
        reply.header('content-range', `bytes */${stat.size}`).header('content-type', 'application/json; charset=utf-8').removeHeader('content-disposition');
        return reply.status(416).send(errorBody('range_not_satisfiable', `The requested range is outside the file (${stat.size} bytes)`));
      }
      if (file === 'download.mp4' && (!range || range.start === 0)) {
        deps.audit.record({ actor: null, actorUserId: apiKeyOfViewer(target.viewerId) === undefined ? target.viewerId : null, recordingId: target.recordingId, action: 'media.download', outcome: 'allowed', ctx });
      }
      if (range) {
        reply.status(206);
        reply.header('content-range', `bytes ${range.start}-${range.end}/${stat.size}`);
        reply.header('content-length', range.end - range.start + 1);
      } else {
        reply.header('content-length', stat.size);
      }
      if (object.body) return reply.send(range ? object.body.subarray(range.start, range.end + 1) : object.body);
      try {
        return reply.send(await deps.playback.read(target.key, range ?? undefined));
      } catch (err) {
        if (err instanceof StorageObjectNotFound) return reply.status(404).send(errorBody('not_found', `Media file ${file} not found`));
        throw err;
      }
    },
  );
}
