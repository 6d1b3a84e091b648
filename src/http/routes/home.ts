import type { ViewerHomeService } from '../../services/viewer-home';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';

export function registerHomeRoutes(app: HttpApp, home: ViewerHomeService) {
  app.get('/api/v1/me/home', {
    schema: {
      tags: ['home'],
      summary: 'The start page of the caller: recordings to continue, live and upcoming classes, recordings new since the last visit, and per lesson how many recordings were watched',
    },
  }, async (req) => home.forViewer(principalOf(req)));
}
