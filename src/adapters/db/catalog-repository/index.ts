import type { Db } from '../database';
import { createBatchQueries } from './batches';
import { createChapterQueries } from './chapters';
import { createCourseQueries } from './courses';
import { createLessonQueries } from './lessons';
import { createMembershipQueries } from './membership';

export type { BatchRecord, BatchScope, ChapterRecord, CourseRecord, LessonRecord } from './records';

/** Courses, chapters, lessons, batches and who belongs to them. */
export function createCatalogRepository(db: Db) {
  return {
    ...createCourseQueries(db),
    ...createChapterQueries(db),
    ...createLessonQueries(db),
    ...createBatchQueries(db),
    ...createMembershipQueries(db),
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
