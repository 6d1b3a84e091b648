import { errorDetail, errorFor, networkError } from './errors';
import type { ZoomTokens } from './tokens';
import type { ZoomCredentials } from './types';

export type ZoomCall = <T>(c: ZoomCredentials, method: string, pathAndQuery: string, body?: unknown) => Promise<T | null>;

/** One REST call with the account's token; a 401 on the first try gets a new token and one more try. */
export function createZoomCall(opts: { apiBase: string; timeoutMs: number; now: () => number }, tokens: ZoomTokens): ZoomCall {
  return async function call<T>(c: ZoomCredentials, method: string, pathAndQuery: string, body?: unknown): Promise<T | null> {
    const what = `Zoom API ${method} ${pathAndQuery.split('?')[0]}`;
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.accessToken(c);
      let res: Response;
      try {
        res = await fetch(`${opts.apiBase}${pathAndQuery}`, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        throw networkError(what, err);
      }
      if (res.status === 401 && attempt === 1) {
        // The token was revoked or expired early: forget it and ask for a new one once.
        await res.body?.cancel();
        tokens.forget(c);
        continue;
      }
      if (!res.ok) throw errorFor(res.status, what, await errorDetail(res), res.headers.get('retry-after'), opts.now());
      if (res.status === 204) return null;
      const text = await res.text();
      return text ? (JSON.parse(text) as T) : null;
    }
  };
}
