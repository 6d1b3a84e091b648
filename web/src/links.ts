import { el } from './dom';

/** Where a recording opens: its lesson's page (the player above the lesson's other recordings), else its own page. */
export function recordingHref(rec: { id: string; liveClass: { lessonId: string | null } }, at?: number): string {
  const t = at !== undefined && at > 0 ? `&t=${Math.floor(at)}` : '';
  return rec.liveClass.lessonId
    ? `/lessons/${encodeURIComponent(rec.liveClass.lessonId)}?recording=${encodeURIComponent(rec.id)}${t}`
    : `/recordings/${encodeURIComponent(rec.id)}${t ? `?${t.slice(1)}` : ''}`;
}

/** The search form, in the top bar of every page. */
export function searchForm(initial = ''): HTMLFormElement {
  const input = el('input', { type: 'search', name: 'q', id: 'search-q', minlength: '2', maxlength: '200', required: '', autocomplete: 'off', placeholder: 'Courses, lessons, what was said…' });
  input.value = initial;
  return el('form', { role: 'search', action: '/search', method: 'get', class: 'search-form' },
    el('label', { for: 'search-q', class: 'visually-hidden' }, 'Search'), input, el('button', { type: 'submit' }, 'Search'));
}
