import type { Principal } from './identity';

/** What the access policy needs to know about a viewer's ties to batches. */
export interface ViewerBatches {
  enrolledBatchIds: ReadonlySet<string>;
  instructedBatchIds: ReadonlySet<string>;
}

/** Admins see all; instructors see their batches; students see the batches they are enrolled in. */
export function canViewBatchContent(viewer: Principal, batchId: string, ties: ViewerBatches): boolean {
  if (viewer.role === 'admin') return true;
  if (viewer.role === 'instructor') return ties.instructedBatchIds.has(batchId);
  return ties.enrolledBatchIds.has(batchId);
}

/** Who may manage (start, stop, schedule) a batch's live classes. */
export function canManageBatch(viewer: Principal, batchId: string, ties: ViewerBatches): boolean {
  if (viewer.role === 'admin') return true;
  return viewer.role === 'instructor' && ties.instructedBatchIds.has(batchId);
}

/** Students see only finished recordings; staff see every state but deleted unless asked. */
export function visibleStatusesFor(viewer: Principal): 'ready-only' | 'all' {
  return viewer.role === 'student' ? 'ready-only' : 'all';
}
