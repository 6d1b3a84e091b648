import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CloudflareApiError } from '../../domain/providers/cloudflare/api-error';

export interface CloudflareCredentials {
  accountId: string;
  apiToken: string;
}

export interface CloudflareApiOptions {
  /** `https://api.cloudflare.com/client/v4`. */
  apiBase: string;
  /** Where RealtimeKit publishes its webhook public key. */
  realtimeKitKeysUrl: string;
  /** Host names (or suffixes after a dot) media may be downloaded from, besides the API's own host. */
  downloadHosts: readonly string[];
  timeoutMs?: number;
}

export interface LiveInput {
  uid: string;
  rtmps: { url: string; streamKey: string };
  status: unknown;
}

export interface StreamDownload {
  status: 'inprogress' | 'ready' | 'error' | string;
  url: string | null;
  percentComplete: number | null;
}

export interface RtkRecording {
  id: string;
  status: string;
  download_url: string | null;
  download_url_expiry: string | null;
  file_size: number | string | null;
  meeting_id?: string;
  started_time?: string | null;
}

const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Cloudflare's REST API (Stream and RealtimeKit) and downloads of its media, with timeouts and typed errors. */
export function createCloudflareApi(opts: CloudflareApiOptions) {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const apiOrigin = new URL(opts.apiBase).origin;

  function errorFor(status: number, what: string, detail: string): CloudflareApiError {
    const text = `${what} → HTTP ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 401 || status === 403) return new CloudflareApiError('unauthorized', status, text);
    if (status === 404) return new CloudflareApiError('not_found', status, text);
    if (status === 429) return new CloudflareApiError('rate_limited', status, text);
    if (status >= 500) return new CloudflareApiError('server', status, text);
    return new CloudflareApiError('refused', status, text);
  }

  /** Cloudflare's `errors: [{code, message}]`, or RealtimeKit's `error: {message}`. */
  function detailOf(body: unknown): string {
    const b = body as { errors?: Array<{ code?: number; message?: string }>; error?: { message?: string } | string } | null;
    if (Array.isArray(b?.errors) && b.errors.length) return b.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ').slice(0, 500);
    if (typeof b?.error === 'string') return b.error.slice(0, 500);
    return b?.error?.message?.slice(0, 500) ?? '';
  }

  async function call<T>(c: CloudflareCredentials, method: string, path: string, body?: unknown): Promise<T> {
    const what = `Cloudflare ${method} ${path.replace(/\?.*$/, '')}`;
    let res: Response;
    try {
      res = await fetch(`${opts.apiBase}/accounts/${encodeURIComponent(c.accountId)}${path}`, {
        method, signal: AbortSignal.timeout(timeoutMs),
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
  }

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

    async checkCredentials(c: CloudflareCredentials): Promise<void> {
      await call<unknown>(c, 'GET', '/stream/live_inputs');
    },

    async createLiveInput(c: CloudflareCredentials, input: { name: string; deleteRecordingAfterDays: number | null; requireSignedURLs: boolean }): Promise<LiveInput> {
      return call<LiveInput>(c, 'POST', '/stream/live_inputs', {
        meta: { name: input.name },
        recording: { mode: 'automatic', timeoutSeconds: 0, requireSignedURLs: input.requireSignedURLs, allowedOrigins: null, hideLiveViewerCount: false },
        deleteRecordingAfterDays: input.deleteRecordingAfterDays, enabled: true, preferLowLatency: false,
      });
    },
    async setLiveInputEnabled(c: CloudflareCredentials, uid: string, enabled: boolean): Promise<void> {
      await call<unknown>(c, 'PUT', `/stream/live_inputs/${encodeURIComponent(uid)}`, { enabled });
    },
    async rotateStreamKey(c: CloudflareCredentials, uid: string): Promise<LiveInput> {
      return call<LiveInput>(c, 'POST', `/stream/live_inputs/${encodeURIComponent(uid)}/rotate_keys`);
    },
    async deleteLiveInput(c: CloudflareCredentials, uid: string): Promise<void> {
      await call<unknown>(c, 'DELETE', `/stream/live_inputs/${encodeURIComponent(uid)}`);
    },
    async listLiveInputVideos(c: CloudflareCredentials, uid: string): Promise<unknown[]> {
      const r = await call<unknown[] | null>(c, 'GET', `/stream/live_inputs/${encodeURIComponent(uid)}/videos`);
      return Array.isArray(r) ? r : [];
    },
    async getVideo(c: CloudflareCredentials, uid: string): Promise<unknown> {
      return call<unknown>(c, 'GET', `/stream/${encodeURIComponent(uid)}`);
    },
    async deleteVideo(c: CloudflareCredentials, uid: string): Promise<void> {
      await call<unknown>(c, 'DELETE', `/stream/${encodeURIComponent(uid)}`);
    },
    /** Asks for the MP4 (idempotent: an existing one is returned with its progress). */
    async requestDownload(c: CloudflareCredentials, uid: string): Promise<StreamDownload> {
      const r = await call<{ default?: StreamDownload } | null>(c, 'POST', `/stream/${encodeURIComponent(uid)}/downloads`);
      const d = r?.default;
      return { status: d?.status ?? 'inprogress', url: d?.url ?? null, percentComplete: d?.percentComplete ?? null };
    },
    async createSigningKey(c: CloudflareCredentials): Promise<{ id: string; pem: string }> {
      return call<{ id: string; pem: string }>(c, 'POST', '/stream/keys');
    },

    async createMeeting(c: CloudflareCredentials, appId: string, m: { title: string; recordOnStart: boolean }): Promise<{ id: string }> {
      return call<{ id: string }>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/meetings`, { title: m.title, record_on_start: m.recordOnStart });
    },
    async addParticipant(c: CloudflareCredentials, appId: string, meetingId: string, p: { name: string; presetName: string; customParticipantId: string }): Promise<{ id: string; token: string }> {
      return call<{ id: string; token: string }>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/meetings/${encodeURIComponent(meetingId)}/participants`, {
        name: p.name, preset_name: p.presetName, custom_participant_id: p.customParticipantId,
      });
    },
    async startRecording(c: CloudflareCredentials, appId: string, meetingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/recordings`, { meeting_id: meetingId });
    },
    async stopRecording(c: CloudflareCredentials, appId: string, recordingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'PUT', `/realtime/kit/${encodeURIComponent(appId)}/recordings/${encodeURIComponent(recordingId)}`, { action: 'stop' });
    },
    async getRecording(c: CloudflareCredentials, appId: string, recordingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'GET', `/realtime/kit/${encodeURIComponent(appId)}/recordings/${encodeURIComponent(recordingId)}`);
    },

    /** RealtimeKit's published webhook key (`{data:{publicKey}}`). */
    async fetchRealtimeKitPublicKey(): Promise<string> {
      let res: Response;
      try {
        res = await fetch(opts.realtimeKitKeysUrl, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new CloudflareApiError('network', null, `RealtimeKit webhooks.json: ${(err as Error).message}`);
      }
      if (!res.ok) throw errorFor(res.status, 'RealtimeKit webhooks.json', '');
      const body = (await res.json().catch(() => null)) as { data?: { publicKey?: unknown } } | null;
      if (typeof body?.data?.publicKey !== 'string') throw new CloudflareApiError('server', res.status, 'RealtimeKit webhooks.json has no data.publicKey');
      return body.data.publicKey;
    },

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
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          cb(bytes > o.maxBytes ? new CloudflareApiError('too_large', res.status, `${what}: more than the ${o.maxBytes} bytes allowed`) : null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), counter, createWriteStream(dest), ...(o.signal ? [{ signal: o.signal }] : []));
      } catch (err) {
        await rm(dest, { force: true });
        if (err instanceof CloudflareApiError || o.signal?.aborted) throw err;
        throw new CloudflareApiError('network', res.status, `${what}: ${(err as Error).message}`);
      }
      if (Number.isFinite(declared) && bytes !== declared) {
        await rm(dest, { force: true });
        throw new CloudflareApiError('truncated', res.status, `${what}: received ${bytes} of ${declared} bytes`);
      }
      return { bytes };
    },
  };
}

export type CloudflareApi = ReturnType<typeof createCloudflareApi>;
