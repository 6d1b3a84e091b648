import type { CatalogRepository } from '../adapters/db/catalog-repository';
import type { RecordingPageView } from '../contracts/api/recordings';
import type { Principal } from '../domain/identity';
import type { RecordingView } from './recording-presenter';
import type { RecordingService } from './recordings';

type Present = (viewer: Principal, page: { items: import('../adapters/db/recording-repository').RecordingListItem[]; nextCursor: string | null }) => Promise<{ items: RecordingView[] }>;

/** One recording as its own page shows it to any viewer who may watch it: title, class, part, lesson, their progress. */
export function createRecordingViews(deps: { recordings: Pick<RecordingService, 'get'>; present: Present; catalog: Pick<CatalogRepository, 'getLesson'> }) {
  return async function viewOf(viewer: Principal, id: string): Promise<RecordingView & RecordingPageView> {
    const { recording, liveClass } = await deps.recordings.get(viewer, id);
    const item = { ...recording, liveClass: { id: liveClass.id, title: liveClass.title, batchId: liveClass.batchId, lessonId: liveClass.lessonId, provider: liveClass.provider } };
    const [[view], lesson] = await Promise.all([
      deps.present(viewer, { items: [item], nextCursor: null }).then((p) => p.items),
      liveClass.lessonId ? deps.catalog.getLesson(liveClass.lessonId) : Promise.resolve(null),
    ]);
    return { ...view!, lesson: lesson ? { id: lesson.id, title: lesson.title, courseId: lesson.courseId } : null };
  };
}

export type RecordingViews = ReturnType<typeof createRecordingViews>;
