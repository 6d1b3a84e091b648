import { api, getToken } from '../../api';
import type { FeedChangeKind, LiveClass, LiveClassChange, RecordingChange, StaffRecording } from '../../types';
import type { ConsoleBoard } from './board';
import { allPages } from './model';

/** A class started, ended, scheduled or cancelled elsewhere (its live page, another console, Zoom) moves here too. */
async function applyClassChange(board: ConsoleBoard, change: LiveClassChange) {
  if (change.deleted) {
    if (board.classById.delete(change.liveClassId)) board.paintSections();
    return;
  }
  try {
    const cls = await api<LiveClass>('GET', `/api/v1/live-classes/${encodeURIComponent(change.liveClassId)}`);
    const known = board.classById.get(cls.id);
    board.classById.set(cls.id, cls);
    if (!known || known.status !== cls.status) board.paintSections();
    else board.repaintRow(cls.id);
  } catch {
    /* deleted meanwhile, or not ours to see */
  }
}

async function applyRecordingChange(board: ConsoleBoard, change: RecordingChange) {
  const known = board.recordings.get(change.recordingId);
  // A ready recording that changed and stayed ready was trimmed (or its cut finished): the change does not say how.
  if (known?.status === 'ready' && change.status === 'ready' && known.progress?.stage === change.progress?.stage && known.progress?.percent === change.progress?.percent) {
    try {
      board.upsertRecording(await api<StaffRecording>('GET', `/api/v1/recordings/${encodeURIComponent(change.recordingId)}`));
    } catch {
      /* deleted meanwhile, or not ours to see */
    }
    return;
  }
  if (known) {
    const pausedAt = change.paused ? (known.pausedAt ?? change.at) : null;
    board.upsertRecording({ ...known, status: change.status, progress: change.progress, processingError: change.processingError, pausedAt });
    return;
  }
  if (!board.classById.has(change.liveClassId)) return;
  // A recording this page has not seen (started elsewhere): fetch it once, then follow its changes.
  try {
    board.upsertRecording(await api<StaffRecording>('GET', `/api/v1/recordings/${encodeURIComponent(change.recordingId)}`));
  } catch {
    /* it may have been deleted meanwhile */
  }
}

/** After a dropped connection, catch up on changes missed meanwhile. */
async function resync(board: ConsoleBoard) {
  try {
    for (const r of await allPages<StaffRecording>('/api/v1/recordings')) {
      const old = board.recordings.get(r.id);
      if (!old || old.status !== r.status || old.progress?.percent !== r.progress?.percent || Boolean(old.pausedAt) !== Boolean(r.pausedAt)) board.upsertRecording(r);
    }
  } catch {
    /* the next reconnect tries again */
  }
}

function showLiveStatus(liveStatus: HTMLElement, text: string, state: 'on' | 'off' | 'connecting') {
  liveStatus.textContent = text;
  liveStatus.className = `live-status ${state}`;
}

/** Follows the change stream: recordings and classes changed elsewhere repaint here, and the status line says whether it is on. */
export function followChanges(board: ConsoleBoard, liveStatus: HTMLElement): void {
  const token = getToken();
  if (!token || typeof EventSource === 'undefined') {
    showLiveStatus(liveStatus, 'Live updates are off; reload to refresh.', 'off');
    return;
  }
  let hadError = false;
  const events = new EventSource(`/api/v1/events?token=${encodeURIComponent(token)}`);
  events.addEventListener('open', () => {
    showLiveStatus(liveStatus, 'Live updates on', 'on');
    if (hadError) void resync(board);
    hadError = false;
  });
  events.addEventListener('error', () => {
    hadError = true;
    const closed = events.readyState === EventSource.CLOSED;
    showLiveStatus(liveStatus, closed ? 'Live updates stopped; reload the page.' : 'Reconnecting…', closed ? 'off' : 'connecting');
  });
  // Each event carries one JSON change; a malformed one is ignored.
  const onChange = <T>(name: FeedChangeKind, apply: (board: ConsoleBoard, change: T) => Promise<void>) =>
    events.addEventListener(name, (e) => {
      let change: T;
      try {
        change = JSON.parse((e as MessageEvent<string>).data) as T;
      } catch {
        return;
      }
      void apply(board, change);
    });
  onChange<RecordingChange>('recording', applyRecordingChange);
  onChange<LiveClassChange>('live-class', applyClassChange);
  window.addEventListener('pagehide', () => events.close(), { once: true });
}
