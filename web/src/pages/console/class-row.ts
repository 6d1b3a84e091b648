import { el } from '../../dom';
import { formatDateTime } from '../../format';
import type { LiveClass } from '../../types';
import type { ConsoleBoard } from './board';
import { actionsFor } from './class-actions';
import { phaseOf } from './model';
import { recordingItem } from './recording-item';

/** A class's card: title and state, batch, time and provider, what may be done with it, and its recordings. */
export function classRow(board: ConsoleBoard, cls: LiveClass): HTMLElement {
  const recs = board.recordingsOf(cls.id);
  const when = cls.startedAt && cls.status !== 'scheduled'
    ? `${formatDateTime(cls.startedAt)}${cls.endedAt ? ` – ${formatDateTime(cls.endedAt)}` : ''}`
    : `${formatDateTime(cls.startsAt)} · ${cls.durationMinutes} min`;
  const shownStatus = phaseOf(cls) === 'missed' ? 'missed' : cls.status;
  const row = el('article', { class: `class-row card status-${cls.status}`, 'data-live-class-id': cls.id, 'data-status': cls.status },
    el('div', { class: 'class-head' },
      el('div', {},
        el('h3', {}, cls.title, ' ', el('span', { class: `badge class-status ${shownStatus}` }, shownStatus)),
        el('p', { class: 'muted' }, `${board.batchNames.get(cls.batchId) ?? 'Batch'} · ${when} · ${cls.provider}${cls.autoRecord ? ' · auto-record' : ''}`),
      ),
      actionsFor(board, cls),
    ),
    el('p', { class: 'error row-error', role: 'alert' }),
    recs.length > 0 ? el('ul', { class: 'plain class-recordings' }, ...recs.map((r) => recordingItem(board, r))) : el('p', { class: 'muted no-recordings' }, cls.status === 'scheduled' ? '' : 'No recordings.'),
  );
  board.rows.set(cls.id, row);
  return row;
}
