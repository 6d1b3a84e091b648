import type { LiveClassStatus, RecordingStatus } from '../contracts/statuses';
import { Conflict, IllegalTransition, Unprocessable } from './errors';

export type { LiveClassStatus, RecordingStatus } from '../contracts/statuses';

export const RECORDING_STATUSES = ['scheduled', 'recording', 'processing', 'ready', 'failed', 'deleted'] as const satisfies readonly RecordingStatus[];
// The list names every status of the contract: one added there and not here stops the build.
true satisfies (Exclude<RecordingStatus, (typeof RECORDING_STATUSES)[number]> extends never ? true : false);

/** Every non-deleted transition the lifecycle allows; `deleted` and restore are handled below. */
const FORWARD: Readonly<Record<Exclude<RecordingStatus, 'deleted'>, readonly RecordingStatus[]>> = {
  scheduled: ['recording', 'processing'],
  recording: ['processing'],
  processing: ['ready', 'failed'],
  ready: ['processing'],
  failed: ['processing'],
};

export interface RecordingStateView {
  status: RecordingStatus;
  /** The state a deleted recording returns to on restore. */
  previousStatus: RecordingStatus | null;
}

export type RecordingTransition =
  | { to: Exclude<RecordingStatus, 'deleted'> }
  | { to: 'deleted' }
  | { restore: true };

/**
 * Decides the next state. Pure; throws IllegalTransition with the current state.
 * `ready → processing` exists for reprocessing (e.g. a new ladder), `failed → processing` is a retry.
 */
export function nextRecordingState(current: RecordingStateView, t: RecordingTransition): RecordingStateView {
  if ('restore' in t) {
    if (current.status !== 'deleted' || current.previousStatus === null || current.previousStatus === 'deleted') {
      throw new IllegalTransition('recording', current.status, 'restored', 'only a deleted recording can be restored');
    }
    return { status: current.previousStatus, previousStatus: null };
  }
  if (t.to === 'deleted') {
    if (current.status === 'deleted') throw new IllegalTransition('recording', 'deleted', 'deleted', 'already deleted');
    return { status: 'deleted', previousStatus: current.status };
  }
  if (current.status === 'deleted') throw new IllegalTransition('recording', 'deleted', t.to, 'restore it first');
  if (!FORWARD[current.status].includes(t.to)) throw new IllegalTransition('recording', current.status, t.to);
  return { status: t.to, previousStatus: null };
}

export function canTransition(current: RecordingStateView, t: RecordingTransition): boolean {
  try {
    nextRecordingState(current, t);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a recording may be paused (`pause` true) or resumed: only while it records, only when Aula's own room
 * captures it (a provider records on its side), and not twice in a row. Throws the reason; pure.
 */
export function assertCanPause(r: { id: string; status: RecordingStatus; source: string; pausedAt: string | null }, pause: boolean): void {
  const verb = pause ? 'pause' : 'resume';
  if (r.source !== 'native') throw new Unprocessable(`Only recordings of Aula's own live room can be paused; recording ${r.id} is captured by ${r.source}`);
  if (r.status !== 'recording') throw new Conflict(`Cannot ${verb} recording ${r.id}: it is '${r.status}', not recording`);
  if (pause && r.pausedAt) throw new Conflict(`Recording ${r.id} is already paused (since ${r.pausedAt})`);
  if (!pause && !r.pausedAt) throw new Conflict(`Recording ${r.id} is not paused`);
}

export const LIVE_CLASS_STATUSES = ['scheduled', 'live', 'ended', 'cancelled'] as const satisfies readonly LiveClassStatus[];
true satisfies (Exclude<LiveClassStatus, (typeof LIVE_CLASS_STATUSES)[number]> extends never ? true : false);

const LIVE_CLASS_FORWARD: Readonly<Record<LiveClassStatus, readonly LiveClassStatus[]>> = {
  scheduled: ['live', 'cancelled'],
  live: ['ended'],
  ended: [],
  cancelled: [],
};

export function nextLiveClassStatus(current: LiveClassStatus, to: LiveClassStatus): LiveClassStatus {
  if (!LIVE_CLASS_FORWARD[current].includes(to)) throw new IllegalTransition('live class', current, to);
  return to;
}

export const PROVIDERS = ['native', 'zoom', 'livekit', 'cloudflare', 'upload'] as const;
export type LiveClassProvider = (typeof PROVIDERS)[number];
