import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { errorDetail, errorFor, networkError, ZoomApiError } from './errors';
import { byteCounter } from '../../byte-counter';

/** Hops a download may take through Zoom's own redirects (to its storage hosts). */
const MAX_REDIRECTS = 5;

/** Recording files streamed from Zoom's hosts to disk, with the download token going nowhere else. */
export function createZoomDownloads(opts: { apiBase: string; oauthBase: string; now: () => number }) {
  const { now } = opts;
  const configuredHosts = new Set([new URL(opts.apiBase).host, new URL(opts.oauthBase).host]);

  /** Files come only from Zoom: the configured API and OAuth hosts, or zoom.us and its subdomains over HTTPS. */
  function isZoomHost(url: URL): boolean {
    if (configuredHosts.has(url.host)) return true;
    return url.protocol === 'https:' && (url.hostname === 'zoom.us' || url.hostname.endsWith('.zoom.us'));
  }

  /** Follows redirects by hand so that none leads away from Zoom's hosts; the token goes only to Zoom. */
  async function fetchZoomFile(url: string, downloadToken: string, signal: AbortSignal | undefined): Promise<Response> {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      if (!isZoomHost(target)) throw new ZoomApiError('client', null, `Zoom download refused: ${target.host} is not a Zoom host`);
      const res = await fetch(target, { headers: { authorization: `Bearer ${downloadToken}` }, redirect: 'manual', ...(signal && { signal }) });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new ZoomApiError('client', res.status, `Zoom download ${target.pathname}: more than ${MAX_REDIRECTS} redirects`);
      target = new URL(location, target);
    }
  }

  return {
    /**
     * Streams a recording file to `dest` (never whole in memory). A short body is an error, and the partial file
     * is removed: the caller retries.
     */
    async downloadFile(url: string, downloadToken: string, dest: string, o: { expectedBytes?: number | null; signal?: AbortSignal } = {}): Promise<{ bytes: number }> {
      const what = `Zoom download ${new URL(url).pathname}`;
      let res: Response;
      try {
        res = await fetchZoomFile(url, downloadToken, o.signal);
      } catch (err) {
        if (err instanceof ZoomApiError) throw err;
        throw networkError(what, err);
      }
      if (!res.ok || !res.body) {
        const detail = await errorDetail(res);
        // An expired or wrong download token comes back as 401, sometimes 403: both mean "get a fresh token".
        if (res.status === 403) throw new ZoomApiError('unauthorized', 403, `${what} → HTTP 403${detail ? `: ${detail}` : ''}`);
        throw errorFor(res.status, what, detail, res.headers.get('retry-after'), now());
      }
      // With a content encoding, fetch hands over decoded bytes and Content-Length counts encoded ones.
      const encoded = !['', 'identity'].includes((res.headers.get('content-encoding') ?? '').toLowerCase());
      const declared = encoded ? NaN : Number(res.headers.get('content-length') ?? NaN);
      const counter = byteCounter();
      try {
        const source = Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>);
        if (o.signal) await pipeline(source, counter.stream, createWriteStream(dest), { signal: o.signal });
        else await pipeline(source, counter.stream, createWriteStream(dest));
      } catch (err) {
        await rm(dest, { force: true });
        if (o.signal?.aborted) throw err;
        throw networkError(what, err);
      }
      const bytes = counter.bytes();
      const expected = Number.isFinite(declared) ? declared : (o.expectedBytes ?? null);
      if (expected !== null && expected > 0 && bytes !== expected) {
        await rm(dest, { force: true });
        throw new ZoomApiError('truncated', res.status, `${what}: received ${bytes} of ${expected} bytes`);
      }
      return { bytes };
    },
  };
}
