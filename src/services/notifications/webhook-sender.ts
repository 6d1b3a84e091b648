import type { Logger } from 'pino';
import { decryptSecret } from '../../adapters/crypto';
import type { WebhookEndpointRecord, WebhookMessageRecord, WebhookRepository } from '../../adapters/db/webhook-repository';
import type { PostOutcome } from '../../adapters/webhooks/http-poster';
import { judgeAttempt, parseRetryAfter, webhookHeaders } from '../../domain/notifications/standard-webhooks';

export interface WebhookSenderDeps {
  webhooks: WebhookRepository;
  post(req: { url: string; headers: Record<string, string>; body: string; timeoutMs: number; allowPrivate: boolean }): Promise<PostOutcome>;
  secretKey: Buffer;
  allowPrivate: boolean;
  logger: Logger;
}

/** The secrets that sign now: the current one, and the previous one while a rotation's overlap lasts. */
export function signingSecrets(ep: WebhookEndpointRecord, key: Buffer, nowMs: number): string[] {
  const secrets = [decryptSecret(key, ep.secretEncrypted)];
  if (ep.previousSecretEncrypted && ep.previousSecretExpiresAt && Date.parse(ep.previousSecretExpiresAt) > nowMs) secrets.push(decryptSecret(key, ep.previousSecretEncrypted));
  return secrets;
}

const TIMEOUT_MS = 15_000;

/** One attempt of one message, judged by the Standard Webhooks rules, logged, and the message and endpoint updated. */
export function createWebhookSender(deps: WebhookSenderDeps) {
  return async function deliver(msg: WebhookMessageRecord, now: () => Date): Promise<'delivered' | 'retry' | 'failed' | 'disabled'> {
    const ep = await deps.webhooks.getEndpoint(msg.endpoint_id);
    if (!ep) return 'failed'; // deleted meanwhile: its messages went with it
    const attemptAt = now();
    const headers = webhookHeaders(signingSecrets(ep, deps.secretKey, attemptAt.getTime()), msg.id, Math.floor(attemptAt.getTime() / 1000), msg.payload);
    const outcome = await deps.post({ url: ep.url, headers, body: msg.payload, timeoutMs: TIMEOUT_MS, allowPrivate: deps.allowPrivate });
    const statusCode = outcome.statusCode;
    const error = outcome.statusCode === null ? outcome.error : statusCode !== null && (statusCode < 200 || statusCode >= 300) ? `HTTP ${statusCode}` : null;
    const attempt = { messageId: msg.id, endpointId: ep.id, at: attemptAt.toISOString(), statusCode, error, durationMs: outcome.durationMs };
    const finishedAt = now();
    const verdict = judgeAttempt(msg.attempts, statusCode, outcome.statusCode === null ? null : parseRetryAfter(outcome.retryAfter, finishedAt.getTime()));
    const log = deps.logger.child({ webhookId: msg.id, endpointId: ep.id, attempt: msg.attempts, statusCode });
    switch (verdict.kind) {
      case 'delivered':
        await deps.webhooks.recordAttempt(attempt, { status: 'delivered', now: finishedAt.toISOString() });
        return 'delivered';
      case 'disable-endpoint':
        await deps.webhooks.recordAttempt(attempt, { status: 'failed', now: finishedAt.toISOString() });
        await deps.webhooks.updateEndpoint(ep.id, { status: 'disabled', disabledReason: `answered 410 Gone at ${finishedAt.toISOString()}`, now: finishedAt.toISOString() });
        await deps.webhooks.cancelPending(ep.id, finishedAt.toISOString());
        log.warn('webhook endpoint answered 410 Gone; disabled');
        return 'disabled';
      case 'give-up':
        await deps.webhooks.recordAttempt(attempt, { status: 'failed', now: finishedAt.toISOString() });
        log.error({ error }, 'webhook message failed for good after the last retry');
        return 'failed';
      case 'retry': {
        const nextAttemptAt = new Date(finishedAt.getTime() + verdict.delayMs).toISOString();
        await deps.webhooks.recordAttempt(attempt, { status: 'pending', nextAttemptAt, now: finishedAt.toISOString() });
        // A throttling endpoint gets nothing else until then either.
        if (verdict.throttle) await deps.webhooks.updateEndpoint(ep.id, { throttledUntil: nextAttemptAt, now: finishedAt.toISOString() });
        log.warn({ error, retryAt: nextAttemptAt }, 'webhook attempt failed; will retry');
        return 'retry';
      }
    }
  };
}
