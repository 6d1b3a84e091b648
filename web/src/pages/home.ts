import { api, type Me } from '../api';
import { el, render } from '../dom';
import { classItem } from '../class-item';
import { formatClock, formatDateTime, formatPercent, recordingLabel } from '../format';
import { recordingHref } from '../links';
import { progressBar, recordingThumb } from '../recording-card';
import type { CourseOutline, HomeRecording, ViewerHome } from '../types';

function recordingTile(rec: HomeRecording, extra: Node[] = [], href = recordingHref(rec)): HTMLLIElement {
  const thumb = recordingThumb(rec.posterUrl, formatClock(rec.durationSeconds));
  const label = recordingLabel(rec);
  return el('li', {},
    el('a', { class: 'recording-card', href, 'data-recording-id': rec.id }, thumb,
      el('div', { class: 'meta' },
        el('h3', { class: 'title' }, label),
        el('p', { class: 'muted when' }, el('time', { datetime: rec.startedAt }, formatDateTime(rec.startedAt))),
        ...extra)));
}


function section(id: string, title: string, body: Node, note?: string): HTMLElement {
  return el('section', { class: 'home-section', id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), note ? el('p', { class: 'muted' }, note) : '', body);
}

/** Home: what is live or coming, what to continue, what is new, then the courses with what has been watched. */
export async function renderHomePage(target: HTMLElement, me: Me): Promise<void> {
  const [home, courses] = await Promise.all([
    api<ViewerHome>('GET', '/api/v1/me/home'),
    api<{ items: { id: string }[] }>('GET', '/api/v1/courses?limit=200'),
  ]);
  const outlines = await Promise.all(courses.items.map((c) => api<CourseOutline>('GET', `/api/v1/courses/${encodeURIComponent(c.id)}`)));
  const counts = new Map(home.lessons.map((l) => [l.lessonId, l]));
  const parts: Node[] = [el('h1', {}, `Welcome, ${me.name ?? 'admin'}`)];

  if (home.classes.length > 0) parts.push(section('classes', 'Live and upcoming classes', el('ul', { class: 'plain class-list' }, ...home.classes.map((c) => classItem(c)))));
  if (home.continueWatching.length > 0) {
    parts.push(section('continue', 'Continue watching', el('ul', { class: 'plain recording-list' }, ...home.continueWatching.map((r) =>
      recordingTile(r, [
        el('div', { class: 'watched' }, progressBar(r.watchedPercent, 'Watched'), el('span', { class: 'watched-label muted' }, `${formatPercent(r.watchedPercent)} watched`)),
        el('p', { class: 'continue' }, `Resume at ${formatClock(r.lastPosition)}`),
      ], recordingHref(r, r.lastPosition))))));
  }
  if (home.newRecordings.length > 0) {
    const note = home.since ? `Since your last visit (${formatDateTime(home.since)})` : 'From the last two weeks';
    parts.push(section('new', 'New recordings', el('ul', { class: 'plain recording-list' }, ...home.newRecordings.map((r) => recordingTile(r))), note));
  }

  const watchedNote = `A recording counts as watched once ${Math.round(home.watchedShare * 100)}% of it has been played.`;
  const courseCards = outlines.map((o) =>
    el('section', { class: 'card course', id: `course-${o.id}`, 'data-course-id': o.id, 'aria-label': o.title },
      el('h2', {}, o.title),
      o.description ? el('p', { class: 'muted' }, o.description) : '',
      ...o.chapters.map((ch) =>
        el('div', { class: 'chapter' }, el('h3', {}, ch.title), el('ul', { class: 'plain lesson-list' }, ...ch.lessons.map((l) => {
          const c = counts.get(l.id);
          const state = !c ? 'No recordings yet' : `${c.recordings} recording${c.recordings === 1 ? '' : 's'} · ${c.watched === c.recordings ? 'all watched' : `${c.watched} watched`}`;
          return el('li', { 'data-lesson-id': l.id, class: c && c.watched === c.recordings ? 'lesson watched-all' : 'lesson' },
            el('a', { href: `/lessons/${encodeURIComponent(l.id)}`, class: 'lesson-link' }, l.title), ' ', el('span', { class: 'muted lesson-state' }, state));
        })))),
    ));
  parts.push(el('h2', { class: 'courses-title' }, 'Your courses'));
  if (outlines.length === 0) parts.push(el('p', { class: 'muted' }, 'You have no courses yet.'));
  else parts.push(el('p', { class: 'muted' }, watchedNote), ...courseCards);
  render(target, ...parts);
}
