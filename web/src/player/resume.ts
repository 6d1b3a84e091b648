import { el } from '../dom';
import { formatClock } from '../format';
import type { PlayerOptions } from './options';
import type { PlayerView } from './view';

/**
 * Where playback starts: a moment the link asked for, exactly; else the viewer's resume point unless it is near
 * either end; else the beginning (0).
 */
export function startPositionOf(opts: Pick<PlayerOptions, 'startAt' | 'resumeAt' | 'durationHint'>): { at: number; asked: boolean } {
  const { startAt, resumeAt, durationHint } = opts;
  if (startAt != null && startAt > 0 && (durationHint === null || startAt < durationHint)) return { at: startAt, asked: true };
  const resumes = resumeAt !== null && resumeAt > 5 && (durationHint === null || resumeAt < durationHint - 3);
  return { at: resumes ? resumeAt : 0, asked: false };
}

/** "Resuming at 12:34." with a way back to the beginning, when playback does not start there. */
export function showResumeNote(view: Pick<PlayerView, 'video' | 'resumeNote'>, start: { at: number; asked: boolean }): void {
  if (start.at <= 0) return;
  const { video, resumeNote } = view;
  const startOver = el('button', { type: 'button', class: 'link-button' }, 'Start from the beginning');
  startOver.addEventListener('click', () => {
    video.currentTime = 0;
    resumeNote.hidden = true;
  });
  resumeNote.replaceChildren(`${start.asked ? 'Starting' : 'Resuming'} at ${formatClock(start.at)}. `, startOver);
  resumeNote.hidden = false;
}
