import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from '../../domain/notifications/private-address';

export type PostOutcome =
  | { statusCode: number; retryAfter: string | undefined; durationMs: number }
  | { statusCode: null; error: string; durationMs: number };

export class PrivateAddressRefused extends Error {
  override name = 'PrivateAddressRefused';
}

/**
 * The address is checked where the connection is made (the resolver's answer is the one used), so a name that
 * resolves to a public address at registration and a private one later is still refused.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(new PrivateAddressRefused(`${hostname} resolves to the private address ${refused.address}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves a hostname now, for a clear answer when an endpoint is registered. */
export async function resolvesToPrivate(url: URL): Promise<string | null> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? host : null;
  const { promises } = await import('node:dns');
  const found = await promises.lookup(host, { all: true }).catch(() => []);
  return found.find((a) => isPrivateAddress(a.address))?.address ?? null;
}

/**
 * One POST, never following redirects (a 3xx is an answer like any other), abandoned after `timeoutMs`.
 * The response body is read and dropped: only the status matters.
 */
export function postWebhook(req: { url: string; headers: Record<string, string>; body: string; timeoutMs: number; allowPrivate: boolean }): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      resolve({ statusCode: null, error: 'invalid URL', durationMs: 0 });
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Node does not call the resolver for a literal address, so those are checked here.
    if (!req.allowPrivate && isIP(host) && isPrivateAddress(host)) {
      resolve({ statusCode: null, error: `${host} is a private address`, durationMs: 0 });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body), 'user-agent': 'Aula-Webhooks/1', ...req.headers },
      lookup: guardedLookup(req.allowPrivate),
      signal: AbortSignal.timeout(req.timeoutMs),
    }, (res) => {
      res.resume();
      const retryAfter = res.headers['retry-after'];
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, durationMs: elapsed() }));
      res.on('error', (err) => resolve({ statusCode: null, error: err.message, durationMs: elapsed() }));
    });
    request.on('error', (err) => {
      const message = err.name === 'AbortError' || err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs / 1000} s` : err.message;
      resolve({ statusCode: null, error: message.slice(0, 300), durationMs: elapsed() });
    });
    request.end(req.body);
  });
}
