import { api } from '../../api';
import { type ClassPhase, classPhase } from '../../../../src/domain/live-class-rules';
import type { LiveClassProvider } from '../../../../src/domain/recording-state';
import type { LiveClass, Page, RecordingProgress, RecordingStatus, RecordingTrimView } from '../../types';

/** What a console row needs of a recording; the API's recording shapes all carry these. */
export interface ConsoleRecording {
  id: string;
  liveClassId: string;
  title: string;
  status: RecordingStatus;
  startedAt: string | null;
  durationSeconds: number | null;
  progress: RecordingProgress | null;
  processingError: string | null;
  /** Absent where a listing does not say (the live feed); null when not trimmed. */
  trim?: RecordingTrimView | null;
  /** Since when the recording is paused; null (or absent) while it records. */
  pausedAt?: string | null;
}

const MAX_PAGES = 5;

/** Every item of a listing, page after page, up to a bound that keeps a huge school's console loading quickly. */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** The console's view of a class: "missed" when its time passed without it starting. */
export function phaseOf(cls: LiveClass, now = new Date()): ClassPhase {
  return classPhase({ ...cls, provider: cls.provider as LiveClassProvider }, now);
}

/** "processing 45%" while processing, otherwise the status itself. */
export function badgeText(status: RecordingStatus, progress: RecordingProgress | null): string {
  return status === 'processing' && progress ? `${status} ${Math.round(progress.percent)}%` : status;
}
