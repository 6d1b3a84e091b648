import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com): the signed content is `{id}.{timestamp}.{body}`, the signature
 * `v1,<base64 HMAC-SHA256>` keyed by the base64 part of a `whsec_` secret; several signatures are space-separated.
 */
export const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes (the spec asks for 24 to 64). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64;
}

export function signWebhook(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of one attempt; every current secret signs (both during a rotation's overlap). */
export function webhookHeaders(secrets: readonly string[], msgId: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signWebhook(s, msgId, timestampSeconds, body)).join(' '),
  };
}

/** Delays after each failed attempt, from the spec: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const RETRY_SCHEDULE_MS: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400].map((s) => s * 1000);

/** What an attempt's outcome means for the message and its endpoint. */
export type AttemptVerdict =
  | { kind: 'delivered' }
  | { kind: 'disable-endpoint' }
  | { kind: 'retry'; delayMs: number; throttle: boolean }
  | { kind: 'give-up' };

/**
 * Any 2xx delivers; 410 disables the endpoint; 429/502/504 throttle the endpoint, honouring `Retry-After` when it asks
 * for longer than the schedule; anything else (other statuses, redirects, timeouts, refused connections) follows the schedule.
 * `attempts` counts the attempt just made.
 */
export function judgeAttempt(attempts: number, statusCode: number | null, retryAfterMs: number | null): AttemptVerdict {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  if (statusCode === 410) return { kind: 'disable-endpoint' };
  const scheduled = RETRY_SCHEDULE_MS[attempts - 1];
  if (scheduled === undefined) return { kind: 'give-up' };
  const throttle = statusCode === 429 || statusCode === 502 || statusCode === 504;
  const delayMs = throttle && retryAfterMs !== null ? Math.max(scheduled, retryAfterMs) : scheduled;
  return { kind: 'retry', delayMs, throttle };
}

/** `Retry-After` as seconds or an HTTP date; capped at a day so an endpoint cannot park its messages forever. */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | null {
  if (!header) return null;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (!Number.isFinite(ms) || ms < 0) return null;
  return Math.min(ms, 86_400_000);
}
