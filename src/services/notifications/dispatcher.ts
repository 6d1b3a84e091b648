import { newId } from '../../adapters/crypto';
import type { ClassContext, NewEmailDelivery, NotificationRepository, OutboxEventRow, Recipient } from '../../adapters/db/notification-repository';
import type { WebhookRepository } from '../../adapters/db/webhook-repository';

/** Mails go out for these events only; the rest are for the LMS. */
const MAIL_AUDIENCE: Record<string, 'class' | 'staff' | undefined> = { 'recording.ready': 'class', 'recording.failed': 'staff' };

/** A Standard Webhooks message id: `msg_` and a time-ordered unique id. */
export const newMessageId = () => `msg_${newId().replace(/-/g, '')}`;

function classData(c: ClassContext) {
  return {
    liveClassId: c.liveClassId, liveClassTitle: c.liveClassTitle, provider: c.provider, batchId: c.batchId, batchExternalId: c.batchExternalId,
    lessonId: c.lessonId, lessonExternalId: c.lessonExternalId, courseId: c.courseId, courseExternalId: c.courseExternalId,
  };
}

/**
 * Turns one outbox event into its mails (one per recipient, skipped for users who turned mail off or whose address
 * was refused) and one webhook message per subscribed endpoint, all written at once. Running it again for the same
 * event adds nothing.
 */
export function createDispatcher(deps: { notifications: NotificationRepository; webhooks: WebhookRepository; mailEnabled: boolean; publicUrl: string }) {
  async function payloadData(e: OutboxEventRow): Promise<{ data: Record<string, unknown>; batchId: string } | null> {
    if (e.type.startsWith('recording.')) {
      const r = await deps.notifications.recordingContext(e.subjectId);
      if (!r) return null;
      return {
        batchId: r.batchId,
        data: { recordingId: r.recordingId, title: r.title, status: e.data.status ?? (e.type === 'recording.deleted' ? 'deleted' : e.type.slice('recording.'.length)), durationSeconds: r.durationSeconds, ...classData(r), ...(e.type === 'recording.failed' && { reason: e.data.reason ?? r.processingError }) },
      };
    }
    const c = await deps.notifications.classContext(e.subjectId);
    if (!c) return null;
    const data: Record<string, unknown> = { ...classData(c), startedAt: c.startedAt, endedAt: c.endedAt };
    if (e.type === 'attendance.ready') data.attendanceUrl = `${deps.publicUrl}/api/v1/live-classes/${c.liveClassId}/attendance`;
    return { batchId: c.batchId, data };
  }

  function mailsFor(e: OutboxEventRow, people: Recipient[]): NewEmailDelivery[] {
    return people.map((p) => {
      const skip = !p.emailEnabled ? 'the user turned mail off' : p.refusedAt ? 'the mail server refused this address earlier' : null;
      return { id: newId(), eventId: e.id, kind: e.type, subjectId: e.subjectId, userId: p.id, toAddress: p.email, status: skip ? 'skipped' : 'pending', lastError: skip };
    });
  }

  return {
    async dispatch(e: OutboxEventRow, now: string): Promise<{ mails: number; messages: number }> {
      const built = await payloadData(e);
      if (!built) {
        await deps.notifications.fanOut(e.id, [], [], now); // the subject is gone: nothing to tell
        return { mails: 0, messages: 0 };
      }
      const endpoints = await deps.webhooks.activeEndpointsFor(e.type);
      const body = JSON.stringify({ type: e.type, timestamp: e.occurredAt, data: built.data });
      const messages = endpoints.map((ep) => ({ id: newMessageId(), endpointId: ep.id, eventId: e.id, eventType: e.type, payload: body }));
      const audience = MAIL_AUDIENCE[e.type];
      const mails = deps.mailEnabled && audience ? mailsFor(e, await deps.notifications.recipientsOf(built.batchId, audience)) : [];
      await deps.notifications.fanOut(e.id, mails, messages, now);
      return { mails: mails.length, messages: messages.length };
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
