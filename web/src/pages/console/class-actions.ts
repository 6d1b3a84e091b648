import { api, downloadWithToken } from '../../api';
import { el } from '../../dom';
import type { LiveClass } from '../../types';
import type { ConsoleBoard } from './board';
import { classEditor } from './class-editor';
import type { ConsoleRecording } from './model';
import { uploadControl } from './uploads';

/**
 * The native room of a class, where its instructor starts it with camera and microphone: a class started from the
 * console without them would record nothing.
 */
function openRoom(cls: LiveClass): HTMLElement {
  return el('a', { href: `/live/${encodeURIComponent(cls.id)}`, class: 'button-link primary open-room' }, 'Open room');
}

/** "Start class" (or "Open room" for a native class) and "Edit or cancel", for a scheduled class. */
function scheduledActions(board: ConsoleBoard, cls: LiveClass): HTMLElement[] {
  const editor = classEditor(cls, (saved) => {
    board.classById.set(saved.id, saved);
    board.paintSections();
  }, () => {
    board.classById.delete(cls.id);
    board.paintSections();
  });
  if (cls.provider === 'native') return [openRoom(cls), editor];
  const start = el('button', { type: 'button', class: 'start-class' }, 'Start class');
  start.addEventListener('click', () => void board.act(cls.id, start, async () => {
    const r = await api<{ liveClass: LiveClass; recording: ConsoleRecording | null }>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/start`);
    board.classById.set(cls.id, { ...cls, ...r.liveClass });
    if (r.recording) board.recordings.set(r.recording.id, { ...r.recording, liveClassId: cls.id });
    board.paintSections();
  }));
  return [start, editor];
}

/** "Record" (unless a recording runs) and "End class", for a live class. */
function liveActions(board: ConsoleBoard, cls: LiveClass): HTMLElement[] {
  const buttons: HTMLElement[] = cls.provider === 'native' ? [openRoom(cls)] : [];
  if (!board.recordingsOf(cls.id).some((r) => r.status === 'recording')) {
    const rec = el('button', { type: 'button', class: 'start-recording secondary' }, '● Record');
    rec.addEventListener('click', () => void board.act(cls.id, rec, async () => {
      const created = await api<ConsoleRecording>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/recordings`);
      board.upsertRecording({ ...created, liveClassId: cls.id });
    }));
    buttons.push(rec);
  }
  const end = el('button', { type: 'button', class: 'end-class danger' }, 'End class');
  end.addEventListener('click', () => void board.act(cls.id, end, async () => {
    const r = await api<{ liveClass: LiveClass; stoppedRecordings: ConsoleRecording[] }>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/end`);
    board.classById.set(cls.id, { ...cls, ...r.liveClass });
    for (const s of r.stoppedRecordings) board.recordings.set(s.id, { ...s, liveClassId: cls.id });
    board.paintSections();
  }));
  buttons.push(end);
  return buttons;
}

/** The attendance CSV and page of a class that ran in Aula. */
function attendanceActions(board: ConsoleBoard, cls: LiveClass): HTMLElement[] {
  const csv = el('button', { type: 'button', class: 'attendance-csv secondary' }, 'Attendance CSV');
  csv.addEventListener('click', () => void board.act(cls.id, csv, () => downloadWithToken(`/api/v1/live-classes/${encodeURIComponent(cls.id)}/attendance?format=csv`, `attendance-${cls.id}.csv`)));
  return [csv, el('a', { href: `/live-classes/${encodeURIComponent(cls.id)}/attendance`, class: 'button-link attendance-page' }, 'Attendance')];
}

/** What may be done with a class now, by its state. */
export function actionsFor(board: ConsoleBoard, cls: LiveClass): HTMLElement {
  const box = el('div', { class: 'actions' });
  if (cls.status === 'scheduled') box.append(...scheduledActions(board, cls));
  if (cls.status !== 'cancelled') box.append(uploadControl(board, cls));
  if (cls.provider === 'native' && (cls.status === 'live' || cls.status === 'ended')) box.append(...attendanceActions(board, cls));
  if (cls.status === 'live') box.append(...liveActions(board, cls));
  return box;
}
