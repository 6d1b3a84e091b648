import { el } from '../../dom';
import type { CourseOutline, Lesson } from '../../types';

/** Previous and next lesson across the course's chapters, and which chapter this lesson is in. */
export function fillLessonNav(nav: HTMLElement, crumbs: HTMLElement, outline: CourseOutline, lesson: Lesson) {
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
