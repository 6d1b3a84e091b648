import type { RecordingViews } from '../../services/recording-view';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

export function registerRecordingViewRoutes(app: HttpApp, viewOf: RecordingViews) {
  app.get('/api/v1/recordings/:id/view', {
    schema: { tags: ['recordings'], summary: 'A recording as its page shows it to a viewer: title, class, part number, lesson and the viewer\'s progress', params: IdParam },
  }, async (req) => viewOf(principalOf(req), req.params.id));
}
