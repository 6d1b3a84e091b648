import { safeStorage } from '../../storage';
import { api, type Me } from '../../api';
import { el } from '../../dom';
import type { RecordingStatus } from '../../types';

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

