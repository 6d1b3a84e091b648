import { api } from '../../api';
import { el, formatDuration } from '../../dom';
import type { ConsoleRecording } from './model';

/** "1:05", "65" or "1:02:05" in seconds; null when it is not a time. */
export function parseClockTime(text: string): number | null {
  const value = text.trim();
  if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(value)) return null;
  return value.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
}

let formCount = 0;

/**
 * Trim of a ready recording: keep from / to on the untrimmed timeline, and undo. Students see the trim as soon as it
 * is saved; the state line says when the precise cut of every output is done.
 */
export function trimControls(rec: ConsoleRecording, run: (button: HTMLButtonElement, work: () => Promise<void>) => void, onChanged: (rec: ConsoleRecording) => void): HTMLElement {
  const box = el('span', { class: 'trim-controls' });
  const path = `/api/v1/recordings/${encodeURIComponent(rec.id)}/trim`;
  const trim = rec.trim ?? null;
  if (trim) {
    const state = trim.state === 'done' ? 'cut' : trim.state === 'failed' ? `precise cut failed: ${trim.error ?? 'unknown error'}` : 'cutting…';
    box.append(el('span', { class: 'muted trim-state', 'data-trim-state': trim.state }, `Trimmed to ${formatDuration(trim.startSeconds)}–${formatDuration(trim.endSeconds)} of ${formatDuration(trim.originalDurationSeconds)} (${state})`));
    const undo = el('button', { type: 'button', class: 'undo-trim secondary small', 'data-recording-id': rec.id }, 'Undo trim');
    undo.addEventListener('click', () => run(undo, async () => onChanged(await api<ConsoleRecording>('DELETE', path))));
    box.append(undo);
  }
  const open = el('button', { type: 'button', class: 'trim-recording secondary small', 'data-recording-id': rec.id, 'aria-expanded': 'false' }, trim ? 'Change trim' : 'Trim');
  open.addEventListener('click', () => {
    const existing = box.querySelector('form');
    if (existing) {
      existing.remove();
      open.setAttribute('aria-expanded', 'false');
      return;
    }
    box.append(trimForm(rec, path, run, onChanged));
    open.setAttribute('aria-expanded', 'true');
    box.querySelector<HTMLInputElement>('input')?.focus();
  });
  box.prepend(open);
  return box;
}

function trimForm(rec: ConsoleRecording, path: string, run: (button: HTMLButtonElement, work: () => Promise<void>) => void, onChanged: (rec: ConsoleRecording) => void): HTMLFormElement {
  const id = `trim-${++formCount}`;
  const total = rec.trim?.originalDurationSeconds ?? rec.durationSeconds;
  const from = el('input', { id: `${id}-from`, name: 'from', inputmode: 'numeric', size: '8', value: formatDuration(rec.trim?.startSeconds ?? 0) });
  const to = el('input', { id: `${id}-to`, name: 'to', inputmode: 'numeric', size: '8', value: formatDuration(rec.trim?.endSeconds ?? total) });
  const error = el('span', { class: 'error', role: 'alert' });
  const save = el('button', { type: 'submit', class: 'save-trim primary small' }, 'Save trim');
  const form = el('form', { class: 'trim-form', 'aria-label': `Trim ${rec.title}` },
    el('label', { for: from.id }, 'Keep from'), from, el('label', { for: to.id }, 'to'), to, save, error);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const startSeconds = parseClockTime(from.value);
    const endSeconds = parseClockTime(to.value);
    if (startSeconds === null || endSeconds === null) {
      error.textContent = 'Write times as m:ss, for example 1:30';
      return;
    }
    error.textContent = '';
    run(save, async () => onChanged(await api<ConsoleRecording>('PUT', path, { startSeconds, endSeconds })));
  });
  return form;
}
