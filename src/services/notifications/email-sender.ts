import type { Logger } from 'pino';
import type { Mailer } from '../../adapters/mail/smtp-mailer';
import type { NotificationRepository, RecordingContext } from '../../adapters/db/notification-repository';
import type { EmailDeliveriesTable } from '../../adapters/db/schema';
import type { RecordingMedia } from '../../domain/recording-media';
import { backoffDelayMs } from '../../jobs/queue';
import { type MailLinks, recordingFailedMail, recordingReadyMail } from './mail-composer';

export interface EmailSenderDeps {
  notifications: NotificationRepository;
  users: { getUser(id: string): Promise<{ name: string } | null> };
  mailer: Mailer;
  /** A stored object's bytes (the recording's poster, attached inline). */
  readStoredBytes(key: string): Promise<Buffer>;
  logger: Logger;
  schoolName: string;
  publicUrl: string;
  unsubscribeUrl(userId: string): string;
  /** Tries per mail, and the first retry delay (doubling, with jitter). */
  maxAttempts: number;
  backoffMs: number;
}

/** Sends one claimed mail and records the outcome: sent, retried later, refused for good, or skipped. */
export function createEmailSender(deps: EmailSenderDeps) {
  const host = new URL(deps.publicUrl).hostname;
  // One recording's mails go out together: its context and poster are read once, not once per recipient.
  const contexts = new Map<string, { at: number; value: Promise<{ ctx: RecordingContext; poster: Buffer | null } | null> }>();

  async function load(recordingId: string) {
    const ctx = await deps.notifications.recordingContext(recordingId);
    if (!ctx) return null;
    const posterKey = ctx.media ? (JSON.parse(ctx.media) as RecordingMedia).posterKey : null;
    const poster = posterKey ? await deps.readStoredBytes(posterKey).catch(() => null) : null;
    return { ctx, poster };
  }

  function contextOf(recordingId: string) {
    const hit = contexts.get(recordingId);
    if (hit && Date.now() - hit.at < 60_000) return hit.value;
    if (contexts.size > 100) contexts.clear();
    const value = load(recordingId);
    contexts.set(recordingId, { at: Date.now(), value });
    value.catch(() => contexts.delete(recordingId));
    return value;
  }

  return async function send(row: EmailDeliveriesTable, now: () => Date): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
    const iso = () => now().toISOString();
    const loaded = await contextOf(row.subject_id);
    const user = await deps.users.getUser(row.user_id);
    // News that is no longer true (deleted before its mail went out, retried successfully meanwhile) is not sent.
    const stale = loaded && ((row.kind === 'recording.ready' && loaded.ctx.status !== 'ready') || (row.kind === 'recording.failed' && loaded.ctx.status !== 'failed'));
    if (!loaded || !user || stale) {
      const why = !loaded ? 'the recording is gone' : !user ? 'the user is gone' : `the recording is ${loaded.ctx.status} now`;
      await deps.notifications.finishEmail(row.id, { status: 'skipped', lastError: why, now: iso() });
      return 'skipped';
    }
    const settings = await deps.notifications.getSettings(row.user_id);
    if (!settings.email || settings.emailRefusedAt) {
      await deps.notifications.finishEmail(row.id, { status: 'skipped', lastError: !settings.email ? 'the user turned mail off' : 'the mail server refused this address earlier', now: iso() });
      return 'skipped';
    }
    const links: MailLinks = { recordingUrl: `${deps.publicUrl}/recordings/${row.subject_id}`, unsubscribeUrl: deps.unsubscribeUrl(row.user_id), posterCid: loaded.poster ? `poster-${row.subject_id}@aula` : null };
    const mail = row.kind === 'recording.failed'
      ? recordingFailedMail(deps.schoolName, user.name, loaded.ctx, loaded.ctx.processingError, links)
      : recordingReadyMail(deps.schoolName, user.name, loaded.ctx, links);
    const result = await deps.mailer.send({
      to: row.to_address, ...mail, messageId: `<${row.id}@${host}>`,
      headers: { 'List-Unsubscribe': `<${links.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' },
      attachments: loaded.poster && links.posterCid ? [{ cid: links.posterCid, filename: 'poster.jpg', content: loaded.poster, contentType: 'image/jpeg' }] : [],
    });
    if (result.ok) {
      await deps.notifications.finishEmail(row.id, { status: 'sent', lastError: null, now: iso() });
      return 'sent';
    }
    if (result.permanent) {
      await deps.notifications.markAddressRefused(row.user_id, result.message, iso());
      await deps.notifications.finishEmail(row.id, { status: 'failed', lastError: `refused: ${result.message}`, now: iso() });
      deps.logger.warn({ deliveryId: row.id, userId: row.user_id, reason: result.message }, 'mail address refused for good; later mails to it are skipped');
      return 'failed';
    }
    if (row.attempts >= deps.maxAttempts) {
      await deps.notifications.finishEmail(row.id, { status: 'failed', lastError: result.message, now: iso() });
      deps.logger.error({ deliveryId: row.id, attempts: row.attempts, reason: result.message }, 'mail failed for good');
      return 'failed';
    }
    const delay = backoffDelayMs(deps.backoffMs, row.attempts);
    await deps.notifications.finishEmail(row.id, { status: 'pending', lastError: result.message, nextAttemptAt: new Date(now().getTime() + delay).toISOString(), now: iso() });
    deps.logger.warn({ deliveryId: row.id, attempt: row.attempts, retryInMs: delay, reason: result.message }, 'mail not accepted; will retry');
    return 'retry';
  };
}
