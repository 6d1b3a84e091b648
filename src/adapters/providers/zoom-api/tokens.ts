import { errorDetail, errorFor, networkError, ZoomApiError } from './errors';
import type { ZoomCredentials } from './types';

/** Server-to-Server OAuth tokens, one per account, cached until shortly before they expire. */
export function createZoomTokens(opts: { oauthBase: string; timeoutMs: number; now: () => number }) {
  const { now, timeoutMs } = opts;
  const tokens = new Map<string, { token: string; expiresAt: number } | Promise<string>>();
  const cacheKey = (c: ZoomCredentials) => `${c.accountId}\u0000${c.clientId}`;

  async function fetchToken(c: ZoomCredentials): Promise<string> {
    const url = `${opts.oauthBase}/oauth/token?grant_type=account_credentials&account_id=${encodeURIComponent(c.accountId)}`;
    const what = 'Zoom OAuth token';
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw networkError(what, err);
    }
    if (!res.ok) {
      const detail = await errorDetail(res);
      // A refused client id/secret is a 400 or 401 from the OAuth server; either way the credentials are wrong.
      if (res.status === 400 || res.status === 401) throw new ZoomApiError('unauthorized', res.status, `${what} → HTTP ${res.status}: ${detail || 'credentials refused'}`);
      throw errorFor(res.status, what, detail, res.headers.get('retry-after'), now());
    }
    const body = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || !body.access_token) throw new ZoomApiError('server', res.status, `${what}: the answer has no access_token`);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    // Kept until a minute before it expires, so a call never starts with a token about to lapse.
    tokens.set(cacheKey(c), { token: body.access_token, expiresAt: now() + Math.max(0, expiresIn - 60) * 1000 });
    return body.access_token;
  }

  async function accessToken(c: ZoomCredentials): Promise<string> {
    const cached = tokens.get(cacheKey(c));
    if (cached instanceof Promise) return cached;
    if (cached && cached.expiresAt > now()) return cached.token;
    // One token request at a time per account, however many calls are waiting for it.
    const pending = fetchToken(c).catch((err: unknown) => {
      tokens.delete(cacheKey(c));
      throw err;
    });
    tokens.set(cacheKey(c), pending);
    return pending;
  }

  return {
    accessToken,
    forget(c: ZoomCredentials) {
      tokens.delete(cacheKey(c));
    },
  };
}

export type ZoomTokens = ReturnType<typeof createZoomTokens>;
