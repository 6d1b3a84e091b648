import { api, type Me } from '../../api';
import { classItem } from '../../class-item';
import { el, render } from '../../dom';
import type { CourseOutline, LessonRecording, Lesson, Page, ViewerHome } from '../../types';
import { errorText } from './error-text';
import { fillLessonNav } from './lesson-nav';
import { createPlayerSlot } from './player-slot';
import { createRecordingList, type RecordingList } from './recording-list';

const PAGE_SIZE = 20;

const recordingsPath = (lessonId: string, limit: number, cursor?: string | null) =>
  `/api/v1/lessons/${encodeURIComponent(lessonId)}/recordings?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** "Show older recordings": the next page, or why it did not come. */
function loadMoreOnClick(list: RecordingList, lessonId: string) {
  const { more } = list;
  more.addEventListener('click', async () => {
    const cursor = list.cursor();
    if (!cursor) return;
    more.disabled = true;
    try {
      list.append(await api<Page<LessonRecording>>('GET', recordingsPath(lessonId, PAGE_SIZE, cursor)));
    } catch (err) {
      more.after(el('p', { class: 'error' }, errorText(err, 'The recordings')));
    } finally {
      more.disabled = false;
    }
  });
}

/** The recording a link names (?recording=, with ?t= to start at), found however many pages back it is. */
async function linkedRecording(list: RecordingList, lessonId: string): Promise<{ rec: LessonRecording; startAt: number | undefined } | null> {
  const query = new URLSearchParams(location.search);
  const wanted = query.get('recording');
  if (!wanted) return null;
  const startAt = Number(query.get('t'));
  let found = list.find(wanted);
  // A deep link (from search, or "continue watching") may name an older recording than the first page holds.
  while (!found && list.cursor()) {
    list.append(await api<Page<LessonRecording>>('GET', recordingsPath(lessonId, PAGE_SIZE * 5, list.cursor())));
    found = list.find(wanted);
  }
  return found ? { rec: found, startAt: Number.isFinite(startAt) && startAt > 0 ? startAt : undefined } : null;
}

/** This lesson's live and upcoming classes, from the viewer's home (which knows their phase and how to join). */
async function fillLessonClasses(section: HTMLElement, lessonId: string): Promise<void> {
  const home = await api<ViewerHome>('GET', '/api/v1/me/home').catch(() => null);
  const mine = home?.classes.filter((c) => c.lessonId === lessonId) ?? [];
  if (mine.length === 0) return;
  section.append(el('h2', { id: 'lesson-classes-title' }, 'Live and upcoming classes'), el('ul', { class: 'plain class-list' }, ...mine.map((c) => classItem(c, { lessonLink: false }))));
  section.hidden = false;
}

/** The lesson page: every ready recording of the lesson, newest first, and the player above the list. */
export async function renderLessonPage(target: HTMLElement, me: Me, lessonId: string): Promise<void> {
  let lesson: Lesson;
  let first: Page<LessonRecording>;
  try {
    [lesson, first] = await Promise.all([
      api<Lesson>('GET', `/api/v1/lessons/${encodeURIComponent(lessonId)}`),
      api<Page<LessonRecording>>('GET', recordingsPath(lessonId, PAGE_SIZE)),
    ]);
  } catch (err) {
    render(target, el('p', { class: 'error' }, errorText(err, 'This lesson')), el('p', {}, el('a', { href: '/' }, 'Back to your courses')));
    return;
  }
  document.title = `${lesson.title} · Aula`;

  const list = createRecordingList((rec) => void slot.open(rec, true));
  const slot = createPlayerSlot(list, me.role !== 'student');
  loadMoreOnClick(list, lessonId);

  const lessonNav = el('nav', { class: 'lesson-nav', 'aria-label': 'Lessons of this course' });
  const classes = el('section', { class: 'lesson-classes', id: 'lesson-classes', 'aria-labelledby': 'lesson-classes-title', hidden: '' });
  void fillLessonClasses(classes, lessonId);
  const crumbs = el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/' }, 'Courses'), ' › ', el('span', { 'aria-current': 'page' }, lesson.title));
  void api<CourseOutline>('GET', `/api/v1/courses/${encodeURIComponent(lesson.courseId)}`).then((outline) => fillLessonNav(lessonNav, crumbs, outline, lesson), () => undefined);
  render(
    target,
    crumbs,
    el('h1', {}, lesson.title),
    lesson.description ? el('p', { class: 'muted lesson-description' }, lesson.description) : '',
    classes,
    slot.element,
    el('section', { class: 'recordings', 'aria-label': 'Recordings' }, el('h2', {}, 'Recordings ', list.count), list.empty, list.list, list.more),
    lessonNav,
  );
  list.append(first);

  const linked = await linkedRecording(list, lessonId);
  if (linked) void slot.open(linked.rec, false, linked.startAt);
}
