import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { ZoomRecordingObject } from '../../domain/providers/zoom/webhook';
import { ZoomApiError } from '../../domain/providers/zoom/api-error';

/**
 * A thin client for the few Zoom REST calls Aula makes, with Server-to-Server OAuth. It translates HTTP into typed
 * results and typed errors; what to do about an error (retry, give up, tell a person) is decided by the caller.
 */

export interface ZoomCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export interface ZoomMeetingInput {
  topic: string;
  /** ISO-8601 UTC. */
  startTime: string;
  durationMinutes: number;
  autoRecording: 'cloud' | 'local' | 'none';
}

export interface ZoomMeeting {
  id: number | string;
  uuid: string;
  join_url: string;
  start_url: string;
  password?: string;
  topic?: string;
}

export type ZoomMeetingRecordings = ZoomRecordingObject & { download_access_token?: string };

export interface ZoomRecordingsPage {
  from?: string;
  to?: string;
  next_page_token?: string;
  meetings: ZoomRecordingObject[];
}

export interface ZoomApiOptions {
  apiBase: string;
  oauthBase: string;
  /** Per API call; downloads are bounded by the caller's signal instead. */
  timeoutMs?: number;
  now?: () => number;
}

/** Zoom wants a meeting UUID that starts with `/` or contains `//` encoded twice. */
export function encodeMeetingUuid(uuid: string): string {
  const once = encodeURIComponent(uuid);
  return uuid.startsWith('/') || uuid.includes('//') ? encodeURIComponent(once) : once;
}

/** Zoom's `start_time` format: UTC without milliseconds. */
function zoomTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

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

function errorFor(status: number, what: string, detail: string, retryAfter: string | null, nowMs: number): ZoomApiError {
  const message = `${what} → HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429) return new ZoomApiError('rate_limited', status, message, parseRetryAfterMs(retryAfter, nowMs));
  if (status === 401) return new ZoomApiError('unauthorized', status, message);
  if (status === 404) return new ZoomApiError('not_found', status, message);
  if (status >= 500) return new ZoomApiError('server', status, message);
  return new ZoomApiError('client', status, message);
}

async function errorDetail(res: Response): Promise<string> {
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

/** Hops a download may take through Zoom's own redirects (to its storage hosts). */
const MAX_REDIRECTS = 5;

function networkError(what: string, err: unknown): ZoomApiError {
  const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return new ZoomApiError('network', null, `${what} failed: ${cause}`);
}

export function createZoomApi(opts: ZoomApiOptions) {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const tokens = new Map<string, { token: string; expiresAt: number } | Promise<string>>();
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

  async function call<T>(c: ZoomCredentials, method: string, pathAndQuery: string, body?: unknown): Promise<T | null> {
    const what = `Zoom API ${method} ${pathAndQuery.split('?')[0]}`;
    for (let attempt = 1; ; attempt++) {
      const token = await accessToken(c);
      let res: Response;
      try {
        res = await fetch(`${opts.apiBase}${pathAndQuery}`, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw networkError(what, err);
      }
      if (res.status === 401 && attempt === 1) {
        // The token was revoked or expired early: forget it and ask for a new one once.
        await res.body?.cancel();
        tokens.delete(cacheKey(c));
        continue;
      }
      if (!res.ok) throw errorFor(res.status, what, await errorDetail(res), res.headers.get('retry-after'), now());
      if (res.status === 204) return null;
      const text = await res.text();
      return text ? (JSON.parse(text) as T) : null;
    }
  }

  return {
    /** Asks for a token: proves the credentials work. */
    async checkCredentials(c: ZoomCredentials): Promise<void> {
      tokens.delete(cacheKey(c));
      await accessToken(c);
    },

    /** The account's OAuth access token; Zoom also accepts it for downloads. */
    accessToken,

    forget(c: ZoomCredentials) {
      tokens.delete(cacheKey(c));
    },

    async createMeeting(c: ZoomCredentials, userId: string, m: ZoomMeetingInput): Promise<ZoomMeeting> {
      const meeting = await call<ZoomMeeting>(c, 'POST', `/users/${encodeURIComponent(userId)}/meetings`, {
        topic: m.topic, type: 2, start_time: zoomTime(m.startTime), duration: m.durationMinutes, timezone: 'UTC',
        settings: { auto_recording: m.autoRecording },
      });
      if (!meeting || meeting.id === undefined || !meeting.join_url) throw new ZoomApiError('server', 201, 'Zoom API POST /meetings: the answer has no meeting');
      return meeting;
    },

    async updateMeeting(c: ZoomCredentials, meetingId: string, m: Partial<ZoomMeetingInput>): Promise<void> {
      await call(c, 'PATCH', `/meetings/${encodeURIComponent(meetingId)}`, {
        ...(m.topic !== undefined && { topic: m.topic }),
        ...(m.startTime !== undefined && { start_time: zoomTime(m.startTime), timezone: 'UTC' }),
        ...(m.durationMinutes !== undefined && { duration: m.durationMinutes }),
        ...(m.autoRecording !== undefined && { settings: { auto_recording: m.autoRecording } }),
      });
    },

    /** The meeting as Zoom has it now, with a newly issued `start_url` (the one given at creation lapses after about two hours). */
    async getMeeting(c: ZoomCredentials, meetingId: string): Promise<ZoomMeeting> {
      const meeting = await call<ZoomMeeting>(c, 'GET', `/meetings/${encodeURIComponent(meetingId)}`);
      if (!meeting || typeof meeting.start_url !== 'string' || !meeting.start_url) throw new ZoomApiError('server', 200, 'Zoom API GET /meetings/{meetingId}: the answer has no start_url');
      return meeting;
    },

    async deleteMeeting(c: ZoomCredentials, meetingId: string): Promise<void> {
      await call(c, 'DELETE', `/meetings/${encodeURIComponent(meetingId)}`);
    },

    /** A meeting instance's recording files, with a fresh `download_access_token`. */
    async getMeetingRecordings(c: ZoomCredentials, meetingUuid: string): Promise<ZoomMeetingRecordings> {
      const r = await call<ZoomMeetingRecordings>(c, 'GET', `/meetings/${encodeMeetingUuid(meetingUuid)}/recordings?include_fields=download_access_token`);
      if (!r) throw new ZoomApiError('server', 200, 'Zoom API GET /meetings/{uuid}/recordings: empty answer');
      return r;
    },

    /** Every cloud recording of the user between two dates (yyyy-mm-dd, at most a month apart), page by page. */
    async *listRecordings(c: ZoomCredentials, userId: string, range: { from: string; to: string }): AsyncGenerator<ZoomRecordingObject> {
      let pageToken = '';
      for (let page = 0; page < 1000; page++) {
        const q = new URLSearchParams({ from: range.from, to: range.to, page_size: '300' });
        if (pageToken) q.set('next_page_token', pageToken);
        const r = await call<ZoomRecordingsPage>(c, 'GET', `/users/${encodeURIComponent(userId)}/recordings?${q.toString()}`);
        for (const m of r?.meetings ?? []) yield m;
        pageToken = r?.next_page_token ?? '';
        if (!pageToken) return;
      }
    },

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
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      try {
        const source = Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>);
        if (o.signal) await pipeline(source, counter, createWriteStream(dest), { signal: o.signal });
        else await pipeline(source, counter, createWriteStream(dest));
      } catch (err) {
        await rm(dest, { force: true });
        if (o.signal?.aborted) throw err;
        throw networkError(what, err);
      }
      const expected = Number.isFinite(declared) ? declared : (o.expectedBytes ?? null);
      if (expected !== null && expected > 0 && bytes !== expected) {
        await rm(dest, { force: true });
        throw new ZoomApiError('truncated', res.status, `${what}: received ${bytes} of ${expected} bytes`);
      }
      return { bytes };
    },
  };
}

export type ZoomApi = ReturnType<typeof createZoomApi>;
