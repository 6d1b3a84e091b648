import { safeStorage } from '../storage';
import { ApiError, api, type Me } from '../api';
import { el } from '../dom';
import { type ClassPhase, classPhase } from '../../../src/domain/live-class-rules';
import type { LiveClassProvider } from '../../../src/domain/recording-state';
import type { LiveClass, RecordingStatus } from '../types';

/** The console's view of a class: "missed" when its time passed without it starting. */
export function phaseOf(cls: LiveClass, now = new Date()): ClassPhase {
  return classPhase({ ...cls, provider: cls.provider as LiveClassProvider }, now);
}

const DISMISSED_KEY = 'aula.console.dismissed';

/** Failed recordings the viewer has dismissed from the console (kept per browser; the recording itself stays). */
export function dismissedRecordings(): Set<string> {
  try {
    const list = JSON.parse(safeStorage.get(DISMISSED_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function dismiss(id: string) {
  const set = dismissedRecordings();
  set.add(id);
  safeStorage.set(DISMISSED_KEY, JSON.stringify([...set].slice(-500)));
}

interface RowRecording { id: string; title: string; status: RecordingStatus }

/** Rename (staff), delete and restore (admin), retry a failed one (admin), dismiss a failed row. */
export function recordingActions(rec: RowRecording, me: Me, run: (button: HTMLButtonElement, work: () => Promise<void>) => void, onChanged: (rec: RowRecording & Record<string, unknown>) => void, onDismiss: () => void): HTMLElement {
  const box = el('span', { class: 'recording-actions' });
  const path = `/api/v1/recordings/${encodeURIComponent(rec.id)}`;
  const button = (cls: string, label: string, work: () => Promise<void>, variant = 'secondary small') => {
    const b = el('button', { type: 'button', class: `${cls} ${variant}`, 'data-recording-id': rec.id }, label);
    b.addEventListener('click', () => run(b, work));
    box.append(b);
  };
  const admin = me.role === 'admin';
  if (rec.status !== 'deleted') {
    button('rename-recording', 'Rename', async () => {
      const title = prompt('New title for this recording', rec.title)?.trim();
      if (!title || title === rec.title) return;
      onChanged(await api('PATCH', path, { title }));
    });
  }
  if (admin && rec.status === 'failed') button('retry-recording', 'Retry', async () => onChanged(await api('POST', `${path}/retry`)));
  if (admin && rec.status !== 'deleted') {
    button('delete-recording', 'Delete', async () => {
      if (!confirm(`Delete “${rec.title}”? Admins can restore it until its media is purged.`)) return;
      onChanged(await api('DELETE', path));
    }, 'danger small');
  }
  if (admin && rec.status === 'deleted') button('restore-recording', 'Restore', async () => onChanged(await api('POST', `${path}/restore`)));
  if (rec.status === 'failed') {
    button('dismiss-recording', 'Dismiss', async () => {
      dismiss(rec.id);
      onDismiss();
    });
  }
  return box;
}

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
      .then(onSaved, (err: unknown) => (error.textContent = err instanceof ApiError ? err.message : String(err)))
      .finally(() => (save.disabled = false));
  });
  cancelClass.addEventListener('click', () => {
    if (!confirm(`Cancel “${cls.title}”? Students no longer see it as upcoming.`)) return;
    cancelClass.disabled = true;
    void api('DELETE', `/api/v1/live-classes/${encodeURIComponent(cls.id)}`)
      .then(onCancelled, (err: unknown) => (error.textContent = err instanceof ApiError ? err.message : String(err)))
      .finally(() => (cancelClass.disabled = false));
  });
  return el('details', { class: 'edit-class-box' }, el('summary', {}, 'Edit or cancel'), form);
}

/** The provider account picker: a list to choose from, or a sentence saying why there is none. */
export async function fillProviderAccounts(provider: string, select: HTMLSelectElement, note: HTMLElement): Promise<void> {
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
