/** The outbox's events, the mails and webhook messages they fan out to, and who receives them. */

export interface OutboxEventRow {
  id: string;
  type: string;
  subjectId: string;
  data: Record<string, string | null>;
  occurredAt: string;
}

export interface NewEmailDelivery {
  id: string;
  eventId: string;
  kind: string;
  subjectId: string;
  userId: string;
  toAddress: string;
  status: 'pending' | 'skipped';
  lastError: string | null;
}

export interface NewWebhookMessage {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  payload: string;
}

export interface Recipient {
  id: string;
  name: string;
  email: string;
  role: string;
  emailEnabled: boolean;
  refusedAt: string | null;
}

/** Ids, LMS external ids and what a mail shows about a recording and its class. */
export interface ClassContext {
  liveClassId: string;
  liveClassTitle: string;
  provider: string;
  startedAt: string | null;
  endedAt: string | null;
  batchId: string;
  batchName: string;
  batchExternalId: string | null;
  lessonId: string | null;
  lessonTitle: string | null;
  lessonExternalId: string | null;
  courseId: string | null;
  courseTitle: string | null;
  courseExternalId: string | null;
}

export interface RecordingContext extends ClassContext {
  recordingId: string;
  title: string;
  status: string;
  durationSeconds: number | null;
  media: string | null;
  processingError: string | null;
}
