import { api, type Me } from '../api';
import { el, render } from '../dom';
import { errorMessage, formatClock, formatDateTime, recordingLabel } from '../format';
import type { SearchResults } from '../types';
import { recordingHref } from '../links';

/** The text with each occurrence of the query marked, built as nodes (never as HTML). */
function highlighted(text: string, query: string): Node[] {
  const out: Node[] = [];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(q); at >= 0 && q; at = lower.indexOf(q, from)) {
    if (at > from) out.push(document.createTextNode(text.slice(from, at)));
    out.push(el('mark', {}, text.slice(at, at + q.length)));
    from = at + q.length;
  }
  if (from < text.length) out.push(document.createTextNode(text.slice(from)));
  return out;
}

export async function renderSearchPage(target: HTMLElement, _me: Me): Promise<void> {
  const query = (new URLSearchParams(location.search).get('q') ?? '').trim();
  document.title = query ? `Search: ${query} · Aula` : 'Search · Aula';
  // The form is the top bar's, on every page; here it shows what was searched.
  const box = document.getElementById('search-q');
  if (box instanceof HTMLInputElement) box.value = query;
  const head = [el('h1', {}, query ? `Search results for “${query}”` : 'Search')];
  if (query.length < 2) {
    render(target, ...head, el('p', { class: 'muted' }, 'Type at least 2 characters.'));
    return;
  }
  let results: SearchResults;
  try {
    results = await api<SearchResults>('GET', `/api/v1/search?q=${encodeURIComponent(query)}`);
  } catch (err) {
    render(target, ...head, el('p', { class: 'error', role: 'alert' }, errorMessage(err)));
    return;
  }
  const sections: Node[] = [];
  if (results.recordings.length > 0) {
    sections.push(el('section', { 'aria-labelledby': 'found-recordings' }, el('h2', { id: 'found-recordings' }, 'Recordings'),
      el('ul', { class: 'plain search-results' }, ...results.recordings.map((r) =>
        el('li', { class: 'card search-recording', 'data-recording-id': r.id },
          el('h3', {}, el('a', { href: recordingHref(r) }, ...highlighted(recordingLabel(r), query))),
          el('p', { class: 'muted' }, `${r.liveClass.title} · `, el('time', { datetime: r.startedAt }, formatDateTime(r.startedAt))),
          r.matches.length ? el('ul', { class: 'plain search-matches' }, ...r.matches.map((m) =>
            el('li', {}, el('a', { href: recordingHref(r, m.at), class: 'search-match', 'data-at': String(m.at) },
              el('span', { class: 'match-time' }, formatClock(m.at)), ' ', el('span', { class: 'match-kind muted' }, m.kind === 'caption' ? 'said' : 'chat'), ' ',
              el('span', { class: 'match-text' }, ...highlighted(m.text, query)))))) : '')))));
  }
  if (results.lessons.length > 0) {
    sections.push(el('section', { 'aria-labelledby': 'found-lessons' }, el('h2', { id: 'found-lessons' }, 'Lessons'),
      el('ul', { class: 'plain search-results' }, ...results.lessons.map((l) =>
        el('li', { class: 'card' }, el('a', { href: `/lessons/${encodeURIComponent(l.id)}` }, ...highlighted(l.title, query)), el('span', { class: 'muted' }, ` · ${l.courseTitle}`),
          l.description ? el('p', { class: 'muted' }, ...highlighted(l.description.slice(0, 240), query)) : '')))));
  }
  if (results.courses.length > 0) {
    sections.push(el('section', { 'aria-labelledby': 'found-courses' }, el('h2', { id: 'found-courses' }, 'Courses'),
      el('ul', { class: 'plain search-results' }, ...results.courses.map((c) =>
        el('li', { class: 'card' }, el('a', { href: `/#course-${encodeURIComponent(c.id)}` }, ...highlighted(c.title, query)),
          c.description ? el('p', { class: 'muted' }, ...highlighted(c.description.slice(0, 240), query)) : '')))));
  }
  if (sections.length === 0) sections.push(el('p', { class: 'empty muted' }, `Nothing matches “${query}” in the courses, lessons and recordings you can see.`));
  render(target, ...head, ...sections);
}
