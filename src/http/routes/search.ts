import { z } from 'zod';
import type { SearchService } from '../../services/search';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';

const SearchQuery = z.object({ q: z.string().trim().min(2, 'Search for at least 2 characters').max(200) });

export function registerSearchRoutes(app: HttpApp, search: SearchService) {
  app.get('/api/v1/search', {
    schema: {
      tags: ['search'],
      summary: 'Courses, lessons and recordings the caller may see whose titles, descriptions, captions or chat contain the words; caption and chat matches carry their time in the recording',
      querystring: SearchQuery,
    },
  }, async (req) => search.search(principalOf(req), req.query.q));
}
