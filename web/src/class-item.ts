import { el } from './dom';
import { PROVIDER_LABELS, formatDateTime, formatStartsIn } from './format';
import type { HomeClass } from './types';

/** A live or upcoming class as students see it (home, lesson page): when, how long, where, and Join once it is on. */
export function classItem(c: HomeClass, opts: { lessonLink?: boolean } = {}): HTMLLIElement {
  const when = c.phase === 'live' ? el('span', { class: 'badge live' }, 'Live now')
    : c.phase === 'due' ? el('span', { class: 'badge scheduled' }, 'Starting — waiting for the instructor')
      : el('span', { class: 'badge scheduled starts-in' }, formatStartsIn(c.startsAt));
  const actions: Node[] = [];
  if (c.joinPath) actions.push(el('a', { class: 'button-link primary join', href: c.joinPath }, 'Join'));
  else if (c.lessonId && opts.lessonLink !== false) actions.push(el('a', { href: `/lessons/${encodeURIComponent(c.lessonId)}` }, 'Lesson'));
  return el('li', { class: 'class-item card', 'data-class-id': c.id, 'data-phase': c.phase },
    el('div', { class: 'class-item-main' },
      el('h3', {}, c.title),
      el('p', { class: 'muted' }, el('time', { datetime: c.startsAt }, formatDateTime(c.startsAt)), ` · ${c.durationMinutes} min · ${PROVIDER_LABELS[c.provider] ?? c.provider}`)),
    el('div', { class: 'class-item-side' }, when, ...actions));
}
