/** Zoom's HTTP failures as typed errors; what to do about one (retry, give up, tell a person) is the caller's decision. */

import { ZoomApiError, type ZoomErrorKind } from '../../../domain/providers/zoom/api-error';
import { causeMessage } from '../../../domain/error-text';

export { ZoomApiError, type ZoomErrorKind };

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds (RFC 9110), or a moment, which Zoom sends for a daily
 * limit as ISO 8601 (`2020-05-31T00:00:00Z`) and other servers as an HTTP-date. Null when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | null {
  const text = value?.trim() ?? '';
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function errorFor(status: number, what: string, detail: string, retryAfter: string | null, nowMs: number): ZoomApiError {
  const message = `${what} → HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return new ZoomApiError('rate_limited', status, message, parseRetryAfterMs(retryAfter, nowMs));
  if (status === 401) return new ZoomApiError('unauthorized', status, message);
  if (status === 404) return new ZoomApiError('not_found', status, message);
  if (status >= 500) return new ZoomApiError('server', status, message);
  return new ZoomApiError('client', status, message);
}

export async function errorDetail(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).slice(0, 500);
  try {
    const body = JSON.parse(text) as { message?: unknown; reason?: unknown; error?: unknown };
    const m = body.message ?? body.reason ?? body.error;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export function networkError(what: string, err: unknown): ZoomApiError {
  return new ZoomApiError('network', null, `${what} failed: ${causeMessage(err)}`);
}
