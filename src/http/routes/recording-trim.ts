import { z } from 'zod';
import type { Principal } from '../../domain/identity';
import type { TrimService } from '../../services/recording-trim/trim-service';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

const MAX_SECONDS = 7 * 24 * 3600;
const TrimBody = z.strictObject({
  startSeconds: z.number().min(0).max(MAX_SECONDS),
  endSeconds: z.number().min(0).max(MAX_SECONDS).nullable().optional(),
});

/** Trim and undo; both answer with the recording as `GET /api/v1/recordings/{id}` shows it. */
export function registerRecordingTrimRoutes(app: HttpApp, deps: { trims: TrimService; view(viewer: Principal, id: string): Promise<unknown> }) {
  app.put(
    '/api/v1/recordings/:id/trim',
    { schema: { tags: ['recordings'], summary: 'Keep only part of a ready recording (staff): students see it at once, a precise cut of every output follows; the original is kept', params: IdParam, body: TrimBody } },
    async (req) => {
      const viewer = principalOf(req);
      await deps.trims.set(viewer, req.params.id, req.body);
      return deps.view(viewer, req.params.id);
    },
  );
  app.delete('/api/v1/recordings/:id/trim', { schema: { tags: ['recordings'], summary: 'Undo the trim: the untrimmed recording is back at once', params: IdParam } }, async (req) => {
    const viewer = principalOf(req);
    await deps.trims.undo(viewer, req.params.id);
    return deps.view(viewer, req.params.id);
  });
}
