import { z } from 'zod';
import type { AuditLog } from '../../services/audit';
import type { PlaybackService } from '../../services/playback';
import { type WatchAnalytics, watchReportCsv } from '../../services/watch-analytics';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { rememberViewer } from '../viewer-cookie';
import { IdParam, IsoDateTime } from '../schemas';

const HeartbeatBody = z.strictObject({
  sessionId: z.string().min(8).max(100).regex(/^[A-Za-z0-9-]+$/),
  position: z.number().min(0).max(7 * 24 * 3600),
  playing: z.boolean(),
  event: z.enum(['heartbeat', 'play', 'pause', 'seek', 'ended']).optional(),
});

export function registerPlaybackRoutes(app: HttpApp, deps: { playback: PlaybackService; analytics: WatchAnalytics; audit: AuditLog; secureCookies: boolean }) {
  app.get('/api/v1/recordings/:id/playback', { schema: { tags: ['playback'], summary: 'Signed, expiring URLs for the player (HLS, MP4, poster, thumbnails, chat)', params: IdParam } }, async (req, reply) => {
    const viewer = principalOf(req);
    const urls = await deps.playback.issue(viewer, req.params.id, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
    // The browser that plays is marked as this viewer's, so links copied out of it do not play in someone else's.
    rememberViewer(reply, viewer, deps.secureCookies);
    return urls;
  });

  app.post('/api/v1/recordings/:id/progress', { schema: { tags: ['analytics'], summary: 'Player heartbeat: position and playing state (every 10 s and on pause/seek/end)', params: IdParam, body: HeartbeatBody } }, async (req) =>
    deps.analytics.heartbeat(principalOf(req), req.params.id, req.body),
  );

  app.get('/api/v1/recordings/:id/analytics', { schema: { tags: ['analytics'], summary: 'Views, unique viewers, watch time, completion and a 5-second heatmap', params: IdParam } }, async (req) =>
    deps.analytics.recordingAnalytics(principalOf(req), req.params.id),
  );

  app.get(
    '/api/v1/batches/:id/watch-report',
    { schema: { tags: ['analytics'], summary: 'Per student, per recording watched percentage (?format=csv for a spreadsheet)', params: IdParam, querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }) } },
    async (req, reply) => {
      const report = await deps.analytics.batchWatchReport(principalOf(req), req.params.id);
      if (req.query.format === 'csv') {
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="watch-report-${req.params.id}.csv"`);
        return watchReportCsv(report);
      }
      return report;
    },
  );

  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit log of playback issuance, downloads and denials (admin), newest first',
        querystring: z.object({
          recordingId: z.string().max(100).optional(), userId: z.string().max(100).optional(), action: z.string().max(100).optional(),
          outcome: z.enum(['allowed', 'denied']).optional(), from: IsoDateTime.optional(), to: IsoDateTime.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.string().regex(/^\d+$/).optional(),
        }),
      },
    },
    async (req) => {
      const { cursor, from, to, ...rest } = req.query;
      return deps.audit.list(principalOf(req), { ...rest, from: from && new Date(from).toISOString(), to: to && new Date(to).toISOString(), beforeId: cursor ? Number(cursor) : undefined });
    },
  );
}
