import type { RecordingListItem } from '../adapters/db/recording-repository';
import type { ViewerRecording } from '../contracts/api/recordings';
import type { Principal } from '../domain/identity';
import { trimView } from '../domain/media/trim';
import type { PlaybackService } from './playback';
import type { RecordingParts } from './recording-parts';
import type { WatchAnalytics } from './watch-analytics';

/**
 * A listed recording as a viewer sees it: storage keys left out, a signed poster URL, the viewer's own progress and
 * the recording's part added (the contract's fields, what the browser reads), the rest of the record beside them.
 */
export type RecordingView = ViewerRecording & Omit<RecordingListItem, 'media' | 'sourceKey' | 'chatKey' | 'captionsKey' | 'trim' | 'pausedAt'>;

/**
 * Adds what a viewer's list shows beside each recording. The viewer's progress for the whole page comes from one
 * query. Each view is written out field by field: copying a record with rest and spread costs more per item than
 * signing its poster URL, and the type above makes a field added to recordings fail to compile here until it is
 * placed (or deliberately left out).
 */
export function createRecordingPresenter(deps: { playback: Pick<PlaybackService, 'posterUrl'>; analytics: Pick<WatchAnalytics, 'progressFor'>; parts: RecordingParts }) {
  return async function present(viewer: Principal, page: { items: RecordingListItem[]; nextCursor: string | null }): Promise<{ nextCursor: string | null; items: RecordingView[] }> {
    const [progress, parts] = await Promise.all([deps.analytics.progressFor(viewer, page.items), deps.parts(page.items)]);
    const items = page.items.map((r): RecordingView => ({
      id: r.id, liveClassId: r.liveClassId, title: r.title, status: r.status, previousStatus: r.previousStatus, source: r.source, externalRef: r.externalRef,
      startedAt: r.startedAt, endedAt: r.endedAt, sourceSize: r.sourceSize, durationSeconds: r.durationSeconds, width: r.width, height: r.height,
      videoCodec: r.videoCodec, audioCodec: r.audioCodec, bitRate: r.bitRate, sizeBytes: r.sizeBytes, progress: r.progress, processingError: r.processingError,
      deletedAt: r.deletedAt, purgedAt: r.purgedAt, createdAt: r.createdAt, updatedAt: r.updatedAt, liveClass: r.liveClass, trim: trimView(r.trim),
      posterUrl: deps.playback.posterUrl(viewer, r.id, r.media), hasChat: Boolean(r.media?.chatVttKey), progressForViewer: progress.get(r.id) ?? null,
      part: parts.get(r.id) ?? null,
    }));
    return { nextCursor: page.nextCursor, items };
  };
}
