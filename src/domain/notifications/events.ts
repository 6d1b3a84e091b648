import type { RecordingStatus } from '../recording-state';

/** Every event Aula tells webhook endpoints about. */
export const WEBHOOK_EVENT_TYPES = [
  'recording.ready', 'recording.failed', 'recording.deleted', 'recording.restored', 'live_class.started', 'live_class.ended', 'attendance.ready',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A row for the outbox, written in the transaction of the change it reports. */
export interface OutboxEvent {
  type: WebhookEventType;
  subjectId: string;
  data: Record<string, string | null>;
}

/** The event (if any) a recording's state change produces. Pure: decided from the states alone. */
export function recordingEventFor(recordingId: string, from: RecordingStatus, to: RecordingStatus, restored: boolean, reason: string | null): OutboxEvent | null {
  if (restored) return { type: 'recording.restored', subjectId: recordingId, data: { recordingId, status: to } };
  if (to === 'deleted') return { type: 'recording.deleted', subjectId: recordingId, data: { recordingId } };
  if (to === 'ready' && from === 'processing') return { type: 'recording.ready', subjectId: recordingId, data: { recordingId } };
  if (to === 'failed') return { type: 'recording.failed', subjectId: recordingId, data: { recordingId, reason } };
  return null;
}
