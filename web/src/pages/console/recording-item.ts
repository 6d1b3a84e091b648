import { api } from '../../api';
import { el, formatDuration } from '../../dom';
import { formatDateTime } from '../../format';
import type { ConsoleBoard } from './board';
import { badgeText, type ConsoleRecording } from './model';
import { recordingActions } from './recording-actions';
import { trimControls } from './trim-form';

function paintBadge(badge: HTMLElement, rec: ConsoleRecording) {
  badge.className = `badge ${rec.status}`;
  badge.textContent = badgeText(rec.status, rec.progress);
  badge.title = rec.progress ? `${rec.progress.stage} · ${Math.round(rec.progress.percent)}%` : rec.status;
}

export function recordingItem(board: ConsoleBoard, rec: ConsoleRecording): HTMLLIElement {
  const badge = el('span', { class: 'badge', 'data-recording-id': rec.id });
  const li = el('li', { class: 'recording-item', 'data-recording-id': rec.id });
  fillRecordingItem(board, li, badge, rec);
  return li;
}

function recordingLinks(board: ConsoleBoard, rec: ConsoleRecording): HTMLElement {
  const cls = board.classById.get(rec.liveClassId);
  const links = el('span', { class: 'recording-links' }, el('a', { href: `/recordings/${encodeURIComponent(rec.id)}/analytics`, class: 'analytics-link' }, 'Analytics'));
  if (rec.status === 'ready') {
    const watch = cls?.lessonId ? `/lessons/${encodeURIComponent(cls.lessonId)}?recording=${encodeURIComponent(rec.id)}` : `/recordings/${encodeURIComponent(rec.id)}`;
    links.append(el('a', { href: watch, class: 'watch-link' }, 'Watch'));
  }
  return links;
}

/** Pauses or resumes a native class's recording: one recording, the paused part left out. */
function pauseButton(board: ConsoleBoard, rec: ConsoleRecording): HTMLElement {
  const action = rec.pausedAt ? 'resume' : 'pause';
  const button = el('button', { type: 'button', class: `${action}-recording secondary small`, 'data-recording-id': rec.id }, rec.pausedAt ? 'Resume recording' : 'Pause recording');
  button.addEventListener('click', () => void board.act(rec.liveClassId, button, async () => {
    const updated = await api<ConsoleRecording>('POST', `/api/v1/recordings/${encodeURIComponent(rec.id)}/${action}`);
    board.upsertRecording({ ...rec, ...updated });
  }));
  return button;
}

/** A recording's line in its class row: state, title, time, links and what may be done with it. */
export function fillRecordingItem(board: ConsoleBoard, li: HTMLLIElement, badge: HTMLElement, rec: ConsoleRecording): void {
  paintBadge(badge, rec);
  if (rec.status === 'recording' && rec.pausedAt) badge.textContent = 'Paused';
  const children: (Node | string)[] = [
    badge,
    el('span', { class: 'recording-title' }, rec.title),
    el('span', { class: 'muted' }, `${formatDateTime(rec.startedAt)}${rec.durationSeconds ? ` · ${formatDuration(rec.durationSeconds)}` : ''}`),
    recordingLinks(board, rec),
  ];
  if (rec.status === 'recording') {
    const stop = el('button', { type: 'button', class: 'stop-recording danger small', 'data-recording-id': rec.id }, 'Stop recording');
    stop.addEventListener('click', () => void board.act(rec.liveClassId, stop, async () => {
      const updated = await api<ConsoleRecording>('POST', `/api/v1/recordings/${encodeURIComponent(rec.id)}/stop`);
      board.upsertRecording({ ...rec, ...updated });
    }));
    children.push(stop);
    if (board.classById.get(rec.liveClassId)?.provider === 'native') children.push(pauseButton(board, rec));
  }
  children.push(recordingActions(rec, board.me, (button, work) => void board.act(rec.liveClassId, button, work), (changed) => board.upsertRecording({ ...rec, ...changed, liveClassId: rec.liveClassId }), () => {
    board.dismissed.add(rec.id);
    li.remove();
  }));
  if (rec.status === 'ready' && rec.durationSeconds) {
    children.push(trimControls(rec, (button, work) => void board.act(rec.liveClassId, button, work), (changed) => board.upsertRecording({ ...rec, ...changed, liveClassId: rec.liveClassId })));
  }
  if (rec.status === 'failed' && rec.processingError) children.push(el('span', { class: 'error processing-error' }, rec.processingError));
  li.replaceChildren(...children);
}
