import { api } from '../../api';
import { el } from '../../dom';
import type { LiveClass } from '../../types';
import { errorMessage } from '../../format';

/** Value for a datetime-local input: local time, to the minute. */
export function localDateTimeValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A start time typed into the form: a clear message when it is missing or already past. */
export function startFromInput(value: string, provider: string): { at: Date } | { error: string } {
  const at = new Date(value);
  if (!value || Number.isNaN(at.getTime())) return { error: 'Choose when the class starts' };
  if (provider !== 'upload' && at.getTime() < Date.now() - 5 * 60_000) return { error: 'That time is in the past; choose a time from now on' };
  return { at };
}

/** "Edit" on a scheduled class: title, time, length, auto-record; and "Cancel class". */
export function classEditor(cls: LiveClass, onSaved: (cls: LiveClass) => void, onCancelled: () => void): HTMLElement {
  const uid = cls.id.replace(/[^A-Za-z0-9_-]/g, '');
  const field = (name: string, label: string, input: HTMLInputElement) => {
    input.id = `edit-${name}-${uid}`;
    return el('label', { for: input.id }, label, input);
  };
  const title = el('input', { name: 'title', required: '', maxlength: '300', value: cls.title });
  const startsAt = el('input', { name: 'startsAt', type: 'datetime-local', required: '', value: localDateTimeValue(new Date(cls.startsAt)) });
  const duration = el('input', { name: 'durationMinutes', type: 'number', min: '1', max: '1440', required: '', value: String(cls.durationMinutes) });
  const autoRecord = el('input', { name: 'autoRecord', type: 'checkbox' });
  autoRecord.checked = cls.autoRecord;
  const error = el('p', { class: 'error', role: 'alert' });
  const save = el('button', { type: 'submit' }, 'Save changes');
  const cancelClass = el('button', { type: 'button', class: 'danger cancel-class' }, 'Cancel class');
  const form = el('form', { class: 'schedule-form edit-class' },
    field('title', 'Title ', title), field('starts', 'Starts ', startsAt), field('minutes', 'Minutes ', duration),
    el('label', { class: 'check' }, autoRecord, ' Record automatically'), save, cancelClass, error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const start = startFromInput(startsAt.value, cls.provider);
    if ('error' in start) {
      error.textContent = start.error;
      return;
    }
    save.disabled = true;
    const patch: Record<string, unknown> = { title: title.value.trim(), durationMinutes: Number(duration.value), autoRecord: autoRecord.checked };
    if (start.at.getTime() !== new Date(cls.startsAt).getTime()) patch.startsAt = start.at.toISOString();
    void api<LiveClass>('PATCH', `/api/v1/live-classes/${encodeURIComponent(cls.id)}`, patch)
      .then(onSaved, (err: unknown) => (error.textContent = errorMessage(err)))
      .finally(() => (save.disabled = false));
  });
  cancelClass.addEventListener('click', () => {
    if (!confirm(`Cancel “${cls.title}”? Students no longer see it as upcoming.`)) return;
    cancelClass.disabled = true;
    void api('DELETE', `/api/v1/live-classes/${encodeURIComponent(cls.id)}`)
      .then(onCancelled, (err: unknown) => (error.textContent = errorMessage(err)))
      .finally(() => (cancelClass.disabled = false));
  });
  return el('details', { class: 'edit-class-box' }, el('summary', {}, 'Edit or cancel'), form);
}

