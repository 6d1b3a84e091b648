import { ApiError, api, type Me } from '../api';
import { el, formatDuration, render } from '../dom';
import { clamp, formatClock, formatDateTime, formatPercent } from '../format';
import { createPlayer, type PlayerHandle } from '../player';
import type { LessonRecording, Lesson, Page, Playback } from '../types';

const PAGE_SIZE = 20;

function errorText(err: unknown, what: string): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return `${what} was not found, or you are not enrolled in a batch that has it.`;
    if (err.status === 403) return `You do not have access to ${what.toLowerCase()}.`;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function progressBar(percent: number): HTMLDivElement {
  const fill = el('div', { class: 'progress-fill' });
  fill.style.width = `${clamp(percent, 0, 100)}%`;
  return el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(percent)), 'aria-label': 'Watched' }, fill);
}

/** The lesson page: every ready recording of the lesson, newest first, and the player above the list. */
export async function renderLessonPage(target: HTMLElement, me: Me, lessonId: string): Promise<void> {
  const id = encodeURIComponent(lessonId);
  let lesson: Lesson;
  let first: Page<LessonRecording>;
  try {
    [lesson, first] = await Promise.all([
      api<Lesson>('GET', `/api/v1/lessons/${id}`),
      api<Page<LessonRecording>>('GET', `/api/v1/lessons/${id}/recordings?limit=${PAGE_SIZE}`),
    ]);
  } catch (err) {
    render(target, el('p', { class: 'error' }, errorText(err, 'This lesson')), el('p', {}, el('a', { href: '/' }, 'Back to your courses')));
    return;
  }
  document.title = `${lesson.title} · Aula`;

  const staff = me.role !== 'student';
  const recordings: LessonRecording[] = [];
  const cards = new Map<string, HTMLAnchorElement>();
  const list = el('ul', { class: 'recording-list plain' });
  const empty = el('p', { class: 'empty muted' }, 'No recordings yet');
  const more = el('button', { type: 'button', class: 'secondary load-more', hidden: '' }, 'Show older recordings');
  const playerSlot = el('div', { id: 'player-slot' });
  const count = el('span', { class: 'muted count' });
  let cursor: string | null = null;
  let player: PlayerHandle | null = null;
  let openSeq = 0;

  function cardFor(rec: LessonRecording): HTMLLIElement {
    const href = `${location.pathname}?recording=${encodeURIComponent(rec.id)}`;
    const thumb = el('div', { class: 'thumb' });
    if (rec.posterUrl) thumb.append(el('img', { src: rec.posterUrl, alt: '', loading: 'lazy', decoding: 'async' }));
    else thumb.append(el('span', { class: 'thumb-placeholder', 'aria-hidden': 'true' }, '▶'));
    thumb.append(el('span', { class: 'duration' }, formatDuration(rec.durationSeconds)));

    const meta = el('div', { class: 'meta' },
      el('h3', { class: 'title' }, rec.liveClass.title),
      rec.title && rec.title !== rec.liveClass.title ? el('p', { class: 'subtitle' }, rec.title) : '',
      el('p', { class: 'muted when' }, el('time', { datetime: rec.startedAt }, formatDateTime(rec.startedAt)), ` · ${formatDuration(rec.durationSeconds)}`, rec.hasChat ? ' · chat' : ''),
    );
    const watched = rec.progressForViewer?.watchedPercent ?? 0;
    if (rec.progressForViewer) {
      meta.append(el('div', { class: 'watched' }, progressBar(watched), el('span', { class: 'watched-label muted' }, `${formatPercent(watched)} watched`)));
      if (rec.progressForViewer.lastPosition > 5) meta.append(el('p', { class: 'continue' }, `Continue at ${formatClock(rec.progressForViewer.lastPosition)}`));
    }
    const card = el('a', { class: 'recording-card', href, 'data-recording-id': rec.id }, thumb, meta);
    card.addEventListener('click', (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      void open(rec, true);
    });
    cards.set(rec.id, card);
    return el('li', {}, card);
  }

  function updateCardProgress(rec: LessonRecording, watchedPercent: number, position: number) {
    const card = cards.get(rec.id);
    if (!card) return;
    const percent = Math.max(watchedPercent, rec.progressForViewer?.watchedPercent ?? 0);
    rec.progressForViewer = { lastPosition: position, watchedPercent: percent };
    const meta = card.querySelector('.meta');
    if (!meta) return;
    const existing = meta.querySelector('.watched');
    const fresh = el('div', { class: 'watched' }, progressBar(percent), el('span', { class: 'watched-label muted' }, `${formatPercent(percent)} watched`));
    if (existing) existing.replaceWith(fresh);
    else meta.append(fresh);
  }

  function append(page: Page<LessonRecording>) {
    for (const rec of page.items) {
      if (cards.has(rec.id)) continue;
      recordings.push(rec);
      list.append(cardFor(rec));
    }
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    empty.hidden = recordings.length > 0;
    count.textContent = recordings.length > 0 ? `${recordings.length}${cursor ? '+' : ''}` : '';
  }

  async function open(rec: LessonRecording, autoplay: boolean) {
    const seq = ++openSeq;
    player?.destroy();
    player = null;
    for (const [rid, card] of cards) {
      if (rid === rec.id) card.setAttribute('aria-current', 'true');
      else card.removeAttribute('aria-current');
    }
    const url = new URL(location.href);
    url.searchParams.set('recording', rec.id);
    history.replaceState(null, '', url.pathname + url.search);
    render(playerSlot, el('div', { class: 'card player-loading muted' }, `Loading ${rec.liveClass.title}…`));
    playerSlot.scrollIntoView({ block: 'start', behavior: 'smooth' });
    const fetchPlayback = () => api<Playback>('GET', `/api/v1/recordings/${encodeURIComponent(rec.id)}/playback`);
    let playback: Playback;
    try {
      playback = await fetchPlayback();
    } catch (err) {
      if (seq === openSeq) render(playerSlot, el('p', { class: 'card error' }, errorText(err, 'This recording')));
      return;
    }
    if (seq !== openSeq) return;
    const handle = createPlayer({
      recordingId: rec.id,
      title: rec.liveClass.title,
      subtitle: `${formatDateTime(rec.startedAt)} · ${formatDuration(rec.durationSeconds)}`,
      playback,
      resumeAt: rec.progressForViewer?.lastPosition ?? null,
      durationHint: rec.durationSeconds,
      analyticsHref: staff ? `/recordings/${encodeURIComponent(rec.id)}/analytics` : null,
      refreshPlayback: fetchPlayback,
      onProgress: (r, position) => updateCardProgress(rec, r.watchedPercent, position),
    });
    player = handle;
    render(playerSlot, handle.element);
    if (autoplay) handle.play();
  }

  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    try {
      append(await api<Page<LessonRecording>>('GET', `/api/v1/lessons/${id}/recordings?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`));
    } catch (err) {
      more.after(el('p', { class: 'error' }, errorText(err, 'The recordings')));
    } finally {
      more.disabled = false;
    }
  });

  render(
    target,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/' }, 'Courses'), ' › ', el('span', {}, lesson.title)),
    el('h1', {}, lesson.title),
    lesson.description ? el('p', { class: 'muted lesson-description' }, lesson.description) : '',
    playerSlot,
    el('section', { class: 'recordings', 'aria-label': 'Recordings' }, el('h2', {}, 'Recordings ', count), empty, list, more),
  );
  append(first);

  const wanted = new URLSearchParams(location.search).get('recording');
  const initial = wanted ? recordings.find((r) => r.id === wanted) : undefined;
  if (initial) void open(initial, false);
}
