import { el, formatDuration } from '../../dom';
import { formatClock, formatDateTime, formatPercent, recordingLabel } from '../../format';
import { progressBar, recordingThumb } from '../../recording-card';
import type { LessonRecording, Page } from '../../types';

const watchedLine = (percent: number) => el('div', { class: 'watched' }, progressBar(percent, 'Watched'), el('span', { class: 'watched-label muted' }, `${formatPercent(percent)} watched`));

export type RecordingList = ReturnType<typeof createRecordingList>;

/**
 * The lesson's recordings as cards, newest first, page by page. A plain click opens one in the player above
 * (`open`); a click with a modifier key follows the card's link as usual.
 */
export function createRecordingList(open: (rec: LessonRecording) => void) {
  const recordings: LessonRecording[] = [];
  const cards = new Map<string, HTMLAnchorElement>();
  const list = el('ul', { class: 'recording-list plain' });
  const empty = el('p', { class: 'empty muted' }, 'No recordings yet');
  const more = el('button', { type: 'button', class: 'secondary load-more', hidden: '' }, 'Show older recordings');
  const count = el('span', { class: 'muted count' });
  let cursor: string | null = null;

  function cardFor(rec: LessonRecording): HTMLLIElement {
    const meta = el('div', { class: 'meta' },
      el('h3', { class: 'title' }, recordingLabel(rec)),
      rec.title && rec.title !== rec.liveClass.title ? el('p', { class: 'subtitle muted' }, rec.liveClass.title) : '',
      el('p', { class: 'muted when' }, el('time', { datetime: rec.startedAt }, formatDateTime(rec.startedAt)), ` · ${formatDuration(rec.durationSeconds)}`, rec.hasChat ? ' · chat' : ''),
    );
    if (rec.progressForViewer) {
      meta.append(watchedLine(rec.progressForViewer.watchedPercent));
      if (rec.progressForViewer.lastPosition > 5) meta.append(el('p', { class: 'continue' }, `Continue at ${formatClock(rec.progressForViewer.lastPosition)}`));
    }
    const href = `${location.pathname}?recording=${encodeURIComponent(rec.id)}`;
    const card = el('a', { class: 'recording-card', href, 'data-recording-id': rec.id }, recordingThumb(rec.posterUrl, formatDuration(rec.durationSeconds)), meta);
    card.addEventListener('click', (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      open(rec);
    });
    cards.set(rec.id, card);
    return el('li', {}, card);
  }

  return {
    list, empty, more, count,
    cursor: () => cursor,
    find: (id: string) => recordings.find((r) => r.id === id),
    append(page: Page<LessonRecording>) {
      for (const rec of page.items) {
        if (cards.has(rec.id)) continue;
        recordings.push(rec);
        list.append(cardFor(rec));
      }
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      empty.hidden = recordings.length > 0;
      count.textContent = recordings.length > 0 ? `${recordings.length}${cursor ? '+' : ''}` : '';
    },
    /** Marks the card of the recording in the player. */
    markCurrent(id: string) {
      for (const [rid, card] of cards) {
        if (rid === id) card.setAttribute('aria-current', 'true');
        else card.removeAttribute('aria-current');
      }
    },
    /** The card follows what the player reports: the watched share never goes down while watching. */
    updateProgress(rec: LessonRecording, watchedPercent: number, position: number) {
      const card = cards.get(rec.id);
      if (!card) return;
      const percent = Math.max(watchedPercent, rec.progressForViewer?.watchedPercent ?? 0);
      rec.progressForViewer = { lastPosition: position, watchedPercent: percent };
      const meta = card.querySelector('.meta');
      if (!meta) return;
      const existing = meta.querySelector('.watched');
      if (existing) existing.replaceWith(watchedLine(percent));
      else meta.append(watchedLine(percent));
    },
  };
}
