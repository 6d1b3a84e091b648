import { ApiError, uploadFile } from '../../api';
import { el } from '../../dom';
import { errorMessage } from '../../format';
import type { LiveClass } from '../../types';
import type { ConsoleBoard } from './board';
import type { ConsoleRecording } from './model';

/** Asks for the title of a chosen file (its name is only the suggestion), then starts the upload. */
function askTitle(board: ConsoleBoard, cls: LiveClass, file: File): { ask: HTMLFormElement; title: HTMLInputElement } {
  const titleId = `upload-title-${cls.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const title = el('input', { id: titleId, class: 'upload-title', required: '', maxlength: '300', value: file.name.replace(/\.[^.]+$/, '').slice(0, 300) || cls.title });
  const send = el('button', { type: 'submit', class: 'small' }, 'Upload');
  const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
  const ask = el('form', { class: 'upload-ask' }, el('label', { for: titleId }, 'Title of the recording '), title, send, cancel);
  cancel.addEventListener('click', () => {
    board.asking.delete(cls.id);
    board.repaintActions(cls.id);
  });
  ask.addEventListener('submit', (e) => {
    e.preventDefault();
    board.asking.delete(cls.id);
    startUpload(board, cls, file, title.value.trim() || cls.title);
  });
  board.asking.set(cls.id, ask);
  return { ask, title };
}

/**
 * "Upload recording": a file made elsewhere becomes one more recording of the class. Its title is asked for (the
 * file name is only the suggestion); a progress bar shows what has been sent, and the upload can be cancelled.
 */
export function uploadControl(board: ConsoleBoard, cls: LiveClass): HTMLElement {
  const busy = board.uploads.get(cls.id);
  if (busy) return busy.element;
  // A title being typed survives the repaints that live updates make of the row.
  const pending = board.asking.get(cls.id);
  if (pending) return pending;
  const input = el('input', { type: 'file', accept: 'video/*,audio/*,.mkv,.webm,.mp4,.m4a,.mov', class: 'upload-input', hidden: '' });
  const button = el('button', { type: 'button', class: 'upload-recording secondary' }, 'Upload recording');
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    const { ask, title } = askTitle(board, cls, file);
    button.replaceWith(ask);
    title.focus();
    title.select();
  });
  return el('span', { class: 'upload' }, button, input);
}

function startUpload(board: ConsoleBoard, cls: LiveClass, file: File, title: string) {
  const path = `/api/v1/live-classes/${encodeURIComponent(cls.id)}/uploads?filename=${encodeURIComponent(file.name)}&title=${encodeURIComponent(title)}`;
  const abort = new AbortController();
  const bar = el('progress', { class: 'upload-progress', max: '100', value: '0', 'aria-label': `Uploading ${title}` });
  const label = el('span', { class: 'upload-percent' }, '0%');
  const cancel = el('button', { type: 'button', class: 'secondary small cancel-upload' }, 'Cancel upload');
  cancel.addEventListener('click', () => abort.abort());
  const element = el('span', { class: 'upload uploading' }, bar, label, cancel);
  board.uploads.set(cls.id, { element });
  board.repaintActions(cls.id);
  void uploadFile<ConsoleRecording>(path, file, (fraction) => {
    const percent = Math.floor(fraction * 100);
    bar.value = percent;
    label.textContent = `${percent}%`;
  }, abort.signal)
    .then((created) => board.upsertRecording({ ...created, liveClassId: cls.id }), (err: unknown) => {
      board.showRowError(cls.id, err instanceof ApiError && err.code === 'cancelled' ? 'Upload cancelled; nothing was kept.' : errorMessage(err));
    })
    .finally(() => {
      board.uploads.delete(cls.id);
      board.repaintActions(cls.id);
    });
}
