import { ApiError, api } from '../../api';
import { el } from '../../dom';
import { errorMessage, formatDateTime, formatStartsIn } from '../../format';
import { defaultAutoRecord } from '../../../../src/domain/live-class-rules';
import type { Batch, LiveClass } from '../../types';
import { localDateTimeValue, startFromInput } from './class-editor';

/** The provider account picker: a list to choose from, or a sentence saying why there is none. */
async function fillProviderAccounts(provider: string, select: HTMLSelectElement, note: HTMLElement): Promise<void> {
  select.replaceChildren();
  note.textContent = '';
  const wrap = select.closest('label');
  if (provider !== 'zoom') {
    if (wrap) wrap.hidden = true;
    return;
  }
  if (wrap) wrap.hidden = false;
  try {
    const { items } = await api<{ items: { id: string; name: string }[] }>('GET', '/api/v1/providers/zoom/accounts');
    select.append(...items.map((a) => el('option', { value: a.id }, a.name)));
    if (items.length === 0) note.textContent = 'No Zoom account is connected yet; an admin connects one first.';
  } catch (err) {
    note.textContent = err instanceof ApiError && err.status === 403 ? 'Only admins can choose the Zoom account; ask an admin to schedule Zoom classes.' : 'Zoom accounts could not be loaded; try again.';
  }
}

/** Lessons of the courses a batch takes, in course and chapter order, for the lesson picker. */
async function lessonsOfBatch(batch: Batch): Promise<{ id: string; title: string }[]> {
  const lessons: { id: string; title: string }[] = [];
  for (const courseId of batch.courseIds) {
    const course = await api<{ title: string }>('GET', `/api/v1/courses/${encodeURIComponent(courseId)}`);
    const chapters = await api<{ items: { id: string; title: string }[] }>('GET', `/api/v1/courses/${encodeURIComponent(courseId)}/chapters`);
    for (const chapter of chapters.items) {
      const items = await api<{ items: { id: string; title: string }[] }>('GET', `/api/v1/chapters/${encodeURIComponent(chapter.id)}/lessons`);
      for (const l of items.items) lessons.push({ id: l.id, title: `${course.title} › ${chapter.title} › ${l.title}` });
    }
  }
  return lessons;
}

/** "Schedule a class": title, batch, optional lesson, provider, time, length and auto-record. */
export function scheduleClassForm(batches: Batch[], onCreated: (cls: LiveClass) => void): HTMLElement {
  const title = el('input', { name: 'title', required: '', maxlength: '300', placeholder: 'e.g. Week 3 lecture' });
  const batch = el('select', { name: 'batchId', required: '' }, ...batches.map((b) => el('option', { value: b.id }, b.name)));
  const lesson = el('select', { name: 'lessonId' }, el('option', { value: '' }, 'No lesson'));
  const provider = el('select', { name: 'provider' },
    el('option', { value: 'native' }, 'Aula (in the browser)'), el('option', { value: 'upload' }, 'Recordings uploaded later'), el('option', { value: 'zoom' }, 'Zoom'));
  const account = el('select', { name: 'providerAccountId' });
  const accountNote = el('span', { class: 'muted account-note', role: 'status' });
  const accountLabel = el('label', { hidden: '' }, 'Zoom account ', account, accountNote);
  // No `min`: the browser's own bubble would stop the form before it can say why the time is refused.
  const startsAt = el('input', { name: 'startsAt', type: 'datetime-local', required: '', value: localDateTimeValue(new Date(Date.now() + 3_600_000)) });
  const duration = el('input', { name: 'durationMinutes', type: 'number', min: '1', max: '1440', value: '60', required: '' });
  const autoRecord = el('input', { name: 'autoRecord', type: 'checkbox', checked: '' });
  const error = el('p', { class: 'error', role: 'alert' });
  const confirmation = el('p', { class: 'confirmation', role: 'status' });
  // Auto-record follows what the chosen provider can do (nothing to record in an upload class).
  provider.addEventListener('change', () => {
    autoRecord.checked = defaultAutoRecord(provider.value as Parameters<typeof defaultAutoRecord>[0]);
    void fillProviderAccounts(provider.value, account, accountNote);
  });
  const submit = el('button', { type: 'submit' }, 'Schedule');
  const form = el('form', { id: 'schedule-class', class: 'card schedule-form' },
    el('label', {}, 'Title ', title), el('label', {}, 'Batch ', batch), el('label', {}, 'Lesson ', lesson), el('label', {}, 'Where ', provider), accountLabel,
    el('label', {}, 'Starts ', startsAt), el('label', {}, 'Minutes ', duration), el('label', { class: 'check' }, autoRecord, ' Record automatically'),
    submit, error, confirmation);

  const lessonCache = new Map<string, { id: string; title: string }[]>();
  async function fillLessons() {
    const chosen = batches.find((b) => b.id === batch.value);
    lesson.replaceChildren(el('option', { value: '' }, 'No lesson'));
    if (!chosen) return;
    try {
      const list = lessonCache.get(chosen.id) ?? (await lessonsOfBatch(chosen));
      lessonCache.set(chosen.id, list);
      if (batch.value === chosen.id) lesson.append(...list.map((l) => el('option', { value: l.id }, l.title)));
    } catch (err) {
      error.textContent = `Lessons could not be loaded: ${errorMessage(err)}`;
    }
  }
  batch.addEventListener('change', () => void fillLessons());
  void fillLessons();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    confirmation.textContent = '';
    const start = startFromInput(startsAt.value, provider.value);
    if ('error' in start) {
      error.textContent = start.error;
      return;
    }
    if (provider.value === 'zoom' && !account.value) {
      error.textContent = accountNote.textContent || 'Choose the Zoom account to create the meeting in';
      return;
    }
    submit.disabled = true;
    void api<LiveClass>('POST', '/api/v1/live-classes', {
      title: title.value.trim(), batchId: batch.value, lessonId: lesson.value || null, provider: provider.value,
      startsAt: start.at.toISOString(), durationMinutes: Number(duration.value), autoRecord: autoRecord.checked,
      ...(provider.value === 'zoom' && { providerAccountId: account.value }),
    })
      .then((created) => {
        onCreated(created);
        title.value = '';
        confirmation.textContent = `Scheduled “${created.title}” for ${formatDateTime(created.startsAt)} (${formatStartsIn(created.startsAt).toLowerCase()}); students of the batch see it on their home page.`;
      })
      .catch((err: unknown) => {
        error.textContent = errorMessage(err);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return el('details', { class: 'schedule' }, el('summary', {}, 'Schedule a class'), form);
}

