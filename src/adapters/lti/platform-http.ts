import { PlatformHttpError } from '../../domain/lti/platform-http-error';

/**
 * HTTP to an LTI platform: JWKS, OAuth2 token, NRPS pages, AGS scores, dynamic registration. It only translates
 * wire to values; what to do with a failure is the caller's decision.
 */

const TIMEOUT_MS = 10_000;

async function send(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new PlatformHttpError(res.status, url, await res.text().catch(() => ''), Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
  return res;
}

/** The URL of `Link: <…>; rel="next"`, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2] ?? '')) return m[1]!;
  }
  return null;
}

export function createPlatformHttp() {
  return {
    async getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
      return (await send(url, { headers: { accept: 'application/json', ...headers } })).json();
    },
    /** One page of a paged GET: its body and the next page's URL. */
    async getPage(url: string, accessToken: string, accept: string): Promise<{ body: unknown; next: string | null }> {
      const res = await send(url, { headers: { accept, authorization: `Bearer ${accessToken}` } });
      return { body: await res.json(), next: nextLink(res.headers.get('link')) };
    },
    async requestToken(tokenEndpoint: string, form: Record<string, string>): Promise<unknown> {
      const res = await send(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(form).toString() });
      return res.json();
    },
    async postJson(url: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
      const res = await send(url, { method: 'POST', headers: { accept: 'application/json', ...headers }, body: JSON.stringify(body) });
      const text = await res.text();
      try {
        return text ? (JSON.parse(text) as unknown) : null;
      } catch {
        return text;
      }
    },
  };
}

export type PlatformHttp = ReturnType<typeof createPlatformHttp>;
