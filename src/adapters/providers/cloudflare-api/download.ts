import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CloudflareApiError, errorFor } from './errors';
import { byteCounter } from '../../byte-counter';

/** Downloads of Cloudflare's media, from its own hosts only. */
export function createCloudflareDownloads(opts: { apiBase: string; downloadHosts: readonly string[] }) {
  const apiOrigin = new URL(opts.apiBase).origin;

  /** Media comes only from Cloudflare: the API's own host or the configured Cloudflare media hosts. */
  function assertCloudflareHost(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new CloudflareApiError('foreign_host', null, `not a URL: ${url.slice(0, 200)}`);
    }
    const host = u.hostname.toLowerCase();
    const allowed = u.origin === apiOrigin || (u.protocol === 'https:' && opts.downloadHosts.some((h) => host === h || host.endsWith(`.${h}`)));
    if (!allowed) throw new CloudflareApiError('foreign_host', null, `refused to download from ${u.origin}: not one of Cloudflare's hosts`);
    return u;
  }

  return {
    assertCloudflareHost,

    /** Streams a media file to disk; refuses other hosts and files above `maxBytes`; a partial file is removed. */
    async download(url: string, dest: string, o: { maxBytes: number; signal?: AbortSignal | undefined }): Promise<{ bytes: number }> {
      const u = assertCloudflareHost(url);
      const what = `Cloudflare download ${u.pathname}`;
      let res: Response;
      try {
        res = await fetch(u, { redirect: 'error', signal: o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(6 * 3_600_000)]) : undefined });
      } catch (err) {
        throw new CloudflareApiError('network', null, `${what}: ${(err as Error).message}`);
      }
      if (!res.ok || !res.body) throw errorFor(res.status, what, '');
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > o.maxBytes) throw new CloudflareApiError('too_large', res.status, `${what}: ${declared} bytes is more than the ${o.maxBytes} allowed`);
      const counter = byteCounter({ maxBytes: o.maxBytes, tooLarge: () => new CloudflareApiError('too_large', res.status, `${what}: more than the ${o.maxBytes} bytes allowed`) });
      try {
        await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), counter.stream, createWriteStream(dest), ...(o.signal ? [{ signal: o.signal }] : []));
      } catch (err) {
        await rm(dest, { force: true });
        if (err instanceof CloudflareApiError || o.signal?.aborted) throw err;
        throw new CloudflareApiError('network', res.status, `${what}: ${(err as Error).message}`);
      }
      const bytes = counter.bytes();
      if (Number.isFinite(declared) && bytes !== declared) {
        await rm(dest, { force: true });
        throw new CloudflareApiError('truncated', res.status, `${what}: received ${bytes} of ${declared} bytes`);
      }
      return { bytes };
    },
  };
}
