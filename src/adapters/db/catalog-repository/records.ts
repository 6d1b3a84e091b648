/** Courses, chapters, lessons and batches as the services see them, and the row shapes they are read from. */

export interface CourseRecord { id: string; title: string; description: string; externalId: string | null; createdAt: string; updatedAt: string }
export interface ChapterRecord { id: string; courseId: string; title: string; position: number; externalId: string | null; createdAt: string; updatedAt: string }
export interface LessonRecord { id: string; courseId: string; chapterId: string; title: string; description: string; position: number; externalId: string | null; createdAt: string; updatedAt: string }
export interface BatchRecord { id: string; name: string; externalId: string | null; courseIds: string[]; createdAt: string; updatedAt: string }

export const course = (r: { id: string; title: string; description: string; external_id: string | null; created_at: string; updated_at: string }): CourseRecord => ({
  id: r.id, title: r.title, description: r.description, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
export const chapter = (r: { id: string; course_id: string; title: string; position: number; external_id: string | null; created_at: string; updated_at: string }): ChapterRecord => ({
  id: r.id, courseId: r.course_id, title: r.title, position: r.position, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
export const lesson = (r: { id: string; course_id: string; chapter_id: string; title: string; description: string; position: number; external_id: string | null; created_at: string; updated_at: string }): LessonRecord => ({
  id: r.id, courseId: r.course_id, chapterId: r.chapter_id, title: r.title, description: r.description, position: r.position, externalId: r.external_id, createdAt: r.created_at, updatedAt: r.updated_at,
});
export const batch = (r: { id: string; name: string; external_id: string | null; created_at: string; updated_at: string }, courseIds: string[]): BatchRecord => ({
  id: r.id, name: r.name, externalId: r.external_id, courseIds, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** A filter limiting rows to what a non-admin may see; null means no limit (admin). */
export type BatchScope = { batchIds: string[] } | null;

export const courseCols = ['id', 'title', 'description', 'external_id', 'created_at', 'updated_at'] as const;
export const chapterCols = ['id', 'course_id', 'title', 'position', 'external_id', 'created_at', 'updated_at'] as const;
export const lessonCols = ['id', 'course_id', 'chapter_id', 'title', 'description', 'position', 'external_id', 'created_at', 'updated_at'] as const;
export const batchCols = ['id', 'name', 'external_id', 'created_at', 'updated_at'] as const;
