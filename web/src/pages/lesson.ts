import { ApiError, api, type Me } from '../api';
import { el, formatDuration, render } from '../dom';
import { clamp, formatClock, formatDateTime, formatPercent, recordingLabel } from '../format';
import { createPlayer, type PlayerHandle } from '../player';
import type { CourseOutline, LessonRecording, Lesson, Page, Playback } from '../types';

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
      el('h3', { class: 'title' }, recordingLabel(rec)),
      rec.title && rec.title !== rec.liveClass.title ? el('p', { class: 'subtitle muted' }, rec.liveClass.title) : '',
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

  async function open(rec: LessonRecording, autoplay: boolean, startAt?: number) {
    const seq = ++openSeq;
    player?.destroy();
    player = null;
    for (const [rid, card] of cards) {
      if (rid === rec.id) card.setAttribute('aria-current', 'true');
      else card.removeAttribute('aria-current');
    }
    const url = new URL(location.href);
    url.searchParams.set('recording', rec.id);
    url.searchParams.delete('t');
    history.replaceState(null, '', url.pathname + url.search);
    render(playerSlot, el('div', { class: 'card player-loading muted' }, `Loading ${rec.liveClass.title}…`));
    playerSlot.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
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
      title: recordingLabel(rec),
      subtitle: `${formatDateTime(rec.startedAt)} · ${formatDuration(rec.durationSeconds)}`,
      playback,
      resumeAt: rec.progressForViewer?.lastPosition ?? null,
      startAt: startAt ?? null,
      durationHint: rec.durationSeconds,
      analyticsHref: staff ? `/recordings/${encodeURIComponent(rec.id)}/analytics` : null,
      refreshPlayback: fetchPlayback,
      onProgress: (r, position) => updateCardProgress(rec, r.watchedPercent, position),
    });
    player = handle;
    render(playerSlot, handle.element);
    // Keyboard and screen-reader users land on the player they asked for.
    handle.focus();
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

  const lessonNav = el('nav', { class: 'lesson-nav', 'aria-label': 'Lessons of this course' });
  const crumbs = el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/' }, 'Courses'), ' › ', el('span', { 'aria-current': 'page' }, lesson.title));
  void api<CourseOutline>('GET', `/api/v1/courses/${encodeURIComponent(lesson.courseId)}`).then((outline) => fillLessonNav(lessonNav, crumbs, outline, lesson), () => undefined);
  render(
    target,
    crumbs,
    el('h1', {}, lesson.title),
    lesson.description ? el('p', { class: 'muted lesson-description' }, lesson.description) : '',
    playerSlot,
    el('section', { class: 'recordings', 'aria-label': 'Recordings' }, el('h2', {}, 'Recordings ', count), empty, list, more),
    lessonNav,
  );
  append(first);

  const query = new URLSearchParams(location.search);
  const wanted = query.get('recording');
  const startAt = Number(query.get('t'));
  let initial = wanted ? recordings.find((r) => r.id === wanted) : undefined;
  // A deep link (from search, or "continue watching") may name an older recording than the first page holds.
  while (wanted && !initial && cursor) {
    append(await api<Page<LessonRecording>>('GET', `/api/v1/lessons/${id}/recordings?limit=${PAGE_SIZE * 5}&cursor=${encodeURIComponent(cursor)}`));
    initial = recordings.find((r) => r.id === wanted);
  }
  if (initial) void open(initial, false, Number.isFinite(startAt) && startAt > 0 ? startAt : undefined);
}

/** Previous and next lesson across the course's chapters, and which chapter this lesson is in. */
function fillLessonNav(nav: HTMLElement, crumbs: HTMLElement, outline: CourseOutline, lesson: Lesson) {
  const flat = outline.chapters.flatMap((ch) => ch.lessons.map((l) => ({ ...l, chapter: ch })));
  const index = flat.findIndex((l) => l.id === lesson.id);
  if (index < 0) return;
  const here = flat[index]!;
  const position = here.chapter.lessons.findIndex((l) => l.id === lesson.id) + 1;
  crumbs.replaceChildren(el('a', { href: '/' }, 'Courses'), ' › ', el('span', {}, outline.title), ' › ', el('span', {}, here.chapter.title), ' › ', el('span', { 'aria-current': 'page' }, lesson.title));
  const link = (l: (typeof flat)[number] | undefined, rel: 'prev' | 'next') => {
    if (!l) return el('span', { class: `lesson-nav-${rel} muted` }, rel === 'prev' ? 'First lesson' : 'Last lesson');
    const chapterNote = l.chapter.id !== here.chapter.id ? ` (${l.chapter.title})` : '';
    return el('a', { href: `/lessons/${encodeURIComponent(l.id)}`, rel, class: `lesson-nav-${rel} button-link` }, rel === 'prev' ? `← Previous: ${l.title}${chapterNote}` : `Next: ${l.title}${chapterNote} →`);
  };
  nav.replaceChildren(
    link(flat[index - 1], 'prev'),
    el('span', { class: 'lesson-nav-where muted' }, `${here.chapter.title} · lesson ${position} of ${here.chapter.lessons.length}`),
    link(flat[index + 1], 'next'),
  );
}
