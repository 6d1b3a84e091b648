import { CloudflareApiError, detailOf, errorFor } from './errors';
import type { CloudflareCredentials } from './types';

const MAX_JSON_BYTES = 4 * 1024 * 1024;

export type CloudflareCall = <T>(c: CloudflareCredentials, method: string, path: string, body?: unknown) => Promise<T>;

/** One call to the account's REST API, unwrapped from Cloudflare's `{ success, result }` (or RealtimeKit's `data`) envelope. */
export function createCloudflareCall(opts: { apiBase: string; timeoutMs: number }): CloudflareCall {
  return async function call<T>(c: CloudflareCredentials, method: string, path: string, body?: unknown): Promise<T> {
    const what = `Cloudflare ${method} ${path.replace(/\?.*$/, '')}`;
    let res: Response;
    try {
      res = await fetch(`${opts.apiBase}/accounts/${encodeURIComponent(c.accountId)}${path}`, {
        method, signal: AbortSignal.timeout(opts.timeoutMs),
        headers: { authorization: `Bearer ${c.apiToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new CloudflareApiError('network', null, `${what}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (text.length > MAX_JSON_BYTES) throw new CloudflareApiError('too_large', res.status, `${what}: the answer is larger than ${MAX_JSON_BYTES} bytes`);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new CloudflareApiError('server', res.status, `${what}: the answer is not JSON`);
    }
    if (!res.ok || (parsed as { success?: boolean } | null)?.success === false) throw errorFor(res.ok ? 400 : res.status, what, detailOf(parsed));
    const envelope = parsed as { result?: T; data?: T } | null;
    return (envelope?.result ?? envelope?.data ?? null) as T;
  };
}
