import { createBatches } from './batches';
import { createChapters } from './chapters';
import { createCatalogContext, type CatalogServiceDeps } from './context';
import { createCourses } from './courses';
import { createLessons } from './lessons';

export type { CatalogServiceDeps } from './context';

/** The catalogue: courses, their chapters and lessons, and the batches that take them. */
export function createCatalogService(deps: CatalogServiceDeps) {
  const ctx = createCatalogContext(deps);
  return {
    scopeOf: ctx.scopeOf,
    ...createCourses(deps, ctx),
    ...createChapters(deps, ctx),
    ...createLessons(deps, ctx),
    ...createBatches(deps, ctx),
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
