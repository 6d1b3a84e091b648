import { createHmac, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Zoom speaking the documented wire formats: Server-to-Server OAuth, meetings, cloud recordings (with
 * double-encoded UUIDs and paging), file downloads guarded by download tokens, rate limits (429 with `Retry-After`),
 * and signed webhooks. It can be told to fail, hold or rate-limit requests, expire tokens and lose files, and it
 * records what it was asked and when.
 */

export interface ZoomEmulatorAccount {
  accountId: string;
  clientId: string;
  clientSecret: string;
}

export type ZoomFileType = 'MP4' | 'M4A' | 'CHAT' | 'TRANSCRIPT' | 'CC' | 'CSV' | 'TIMELINE' | 'SUMMARY';

export interface EmulatedFileInput {
  id?: string;
  file_type: ZoomFileType;
  recording_type?: string;
  recording_start: string;
  recording_end: string;
  /** Streamed from disk when set; otherwise `text` is served. */
  path?: string;
  text?: string;
  /** Downloads answer 404: the file is no longer in the cloud. */
  missing?: boolean;
}

interface EmulatedFile extends EmulatedFileInput {
  id: string;
}

export interface EmulatedMeeting {
  id: number;
  uuid: string;
  topic: string;
  type: number;
  start_time: string;
  duration: number;
  timezone: string;
  settings: Record<string, unknown>;
  join_url: string;
  start_url: string;
  password: string;
  deleted: boolean;
  patches: Record<string, unknown>[];
}

export interface EmulatedRecording {
  meetingId: number;
  uuid: string;
  topic: string;
  start_time: string;
  duration: number;
  files: EmulatedFile[];
}

/**
 * A rate-limited answer, as Zoom documents it: a per-second limit says how many seconds to wait; a daily limit says
 * when it resets, as an ISO 8601 time (`Retry-After: 2020-05-31T00:00:00Z`).
 */
export type EmulatedRateLimit = { type: 'per-second'; retryAfterSeconds: number } | { type: 'daily'; resumesAt: Date };

export interface EmulatedRequest {
  method: string;
  /** Raw path, still percent-encoded. */
  path: string;
  query: string;
  /** When it arrived (ms since the epoch) and the status it was answered with. */
  at: number;
  status: number;
}

export interface ZoomWebhookEvent {
  event: string;
  event_ts: number;
  payload: Record<string, unknown>;
  download_token?: string;
}

const EXTENSIONS: Record<ZoomFileType, string> = { MP4: 'MP4', M4A: 'M4A', CHAT: 'TXT', TRANSCRIPT: 'VTT', CC: 'VTT', CSV: 'CSV', TIMELINE: 'JSON', SUMMARY: 'JSON' };
const DEFAULT_TYPES: Record<ZoomFileType, string> = {
  MP4: 'shared_screen_with_speaker_view', M4A: 'audio_only', CHAT: 'chat_file', TRANSCRIPT: 'audio_transcript', CC: 'closed_caption', CSV: 'poll', TIMELINE: 'timeline', SUMMARY: 'summary',
};

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');

/** A Zoom-style meeting UUID: 16 random bytes in base64, which may contain `/`. */
export function zoomUuid(): string {
  return randomBytes(16).toString('base64');
}

export class ZoomEmulator {
  url = '';
  readonly meetings = new Map<number, EmulatedMeeting>();
  readonly recordings = new Map<string, EmulatedRecording>();
  /** Every request, in the order it arrived. */
  readonly requests: EmulatedRequest[] = [];
  readonly downloads = new Map<string, { ok: number; failed: number }>();
  tokenRequests = 0;
  private readonly accessTokens = new Set<string>();
  private readonly downloadTokens = new Set<string>();
  private readonly failures = new Map<string, { times: number; status: number | 'cut' }>();
  private readonly holds = new Map<string, { arrived: () => void; released: Promise<void> }>();
  private readonly rateLimits: { pathPrefix: string; answers: EmulatedRateLimit[] }[] = [];
  private readonly server: http.Server;
  private readonly maxPageSize: number;

  constructor(readonly account: ZoomEmulatorAccount, opts: { maxPageSize?: number } = {}) {
    this.maxPageSize = opts.maxPageSize ?? 300;
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { code: 500, message: String(err) });
        else res.destroy();
      });
    });
  }

  get apiBase() {
    return `${this.url}/v2`;
  }

  get oauthBase() {
    return this.url;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- test controls

  /** Cloud recording files of a meeting instance (a new UUID unless given). */
  addRecording(meetingId: number | string, opts: { uuid?: string; topic?: string; start_time: string; files: EmulatedFileInput[] }): EmulatedRecording {
    const meeting = this.meetings.get(Number(meetingId));
    const rec: EmulatedRecording = {
      meetingId: Number(meetingId), uuid: opts.uuid ?? zoomUuid(), topic: opts.topic ?? meeting?.topic ?? 'Zoom meeting', start_time: opts.start_time, duration: 60,
      files: opts.files.map((f) => ({ ...f, id: f.id ?? token(12) })),
    };
    this.recordings.set(rec.uuid, rec);
    return rec;
  }

  /** The next `times` downloads of the file answer with `status`, or (`cut`) stop half-way through the body. */
  failDownloads(fileId: string, times: number, status: number | 'cut' = 500) {
    this.failures.set(fileId, { times, status });
  }

  /**
   * The next download of the file waits until `release()` is called; `arrived` resolves when it has been asked for,
   * so a test can act while Aula's import is under way.
   */
  holdDownload(fileId: string): { arrived: Promise<void>; release(): void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    this.holds.set(fileId, { arrived, released: new Promise<void>((resolve) => (release = resolve)) });
    return { arrived: arrival, release };
  }

  /** The next API requests whose path starts with `pathPrefix` (after `/v2`) are answered 429, one per answer given. */
  rateLimit(pathPrefix: string, ...answers: EmulatedRateLimit[]) {
    this.rateLimits.push({ pathPrefix, answers });
  }

  /** Files that finish after the others (the audio transcript comes after the recording). */
  addFiles(uuid: string, files: EmulatedFileInput[]): EmulatedFile[] {
    const rec = this.mustRecording(uuid);
    const added = files.map((f) => ({ ...f, id: f.id ?? token(12) }));
    rec.files.push(...added);
    return added;
  }

  /** Every OAuth access token stops working, as when Zoom revokes them. */
  revokeAccessTokens() {
    this.accessTokens.clear();
  }

  /** A download token stops working, as after its 24 hours. */
  expireDownloadToken(t: string) {
    this.downloadTokens.delete(t);
  }

  issueDownloadToken(): string {
    const t = `dl_${token()}`;
    this.downloadTokens.add(t);
    return t;
  }

  fileById(id: string): EmulatedFile | undefined {
    for (const r of this.recordings.values()) for (const f of r.files) if (f.id === id) return f;
    return undefined;
  }

  /** `recording.completed` as Zoom sends it, with a fresh `download_token` beside `payload`. */
  recordingCompletedEvent(uuid: string, opts: { downloadToken?: string; eventTs?: number } = {}): ZoomWebhookEvent {
    const rec = this.mustRecording(uuid);
    return {
      event: 'recording.completed',
      event_ts: opts.eventTs ?? Date.now(),
      payload: { account_id: this.account.accountId, object: this.recordingObject(rec) },
      download_token: opts.downloadToken ?? this.issueDownloadToken(),
    };
  }

  /**
   * `recording.transcript_completed` as Zoom sends it when the audio transcript is ready: the meeting instance with
   * only its finished TRANSCRIPT files, and a fresh `download_token` beside `payload`.
   */
  transcriptCompletedEvent(uuid: string, opts: { eventTs?: number } = {}): ZoomWebhookEvent {
    const rec = this.mustRecording(uuid);
    const object = this.recordingObject({ ...rec, files: rec.files.filter((f) => f.file_type === 'TRANSCRIPT') });
    return { event: 'recording.transcript_completed', event_ts: opts.eventTs ?? Date.now(), payload: { account_id: this.account.accountId, object }, download_token: this.issueDownloadToken() };
  }

  recordingEvent(event: 'recording.trashed' | 'recording.deleted' | 'recording.recovered', uuid: string): ZoomWebhookEvent {
    const rec = this.mustRecording(uuid);
    return { event, event_ts: Date.now(), payload: { account_id: this.account.accountId, operator: 'host@example.test', operator_id: 'host-id', object: this.recordingObject(rec) } };
  }

  meetingEvent(event: 'meeting.started' | 'meeting.ended', meetingId: number | string): ZoomWebhookEvent {
    const m = this.meetings.get(Number(meetingId));
    if (!m) throw new Error(`no meeting ${meetingId}`);
    const object: Record<string, unknown> = { id: String(m.id), uuid: m.uuid, host_id: 'host-id', topic: m.topic, type: 2, start_time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), timezone: 'UTC', duration: m.duration };
    if (event === 'meeting.ended') object.end_time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { event, event_ts: Date.now(), payload: { account_id: this.account.accountId, object } };
  }

  private mustRecording(uuid: string): EmulatedRecording {
    const rec = this.recordings.get(uuid);
    if (!rec) throw new Error(`no recording ${uuid}`);
    return rec;
  }

  private fileObject(rec: EmulatedRecording, f: EmulatedFile): Record<string, unknown> {
    const size = f.path ? statSync(f.path).size : Buffer.byteLength(f.text ?? '');
    const base: Record<string, unknown> = {
      meeting_id: rec.uuid, recording_start: f.recording_start, recording_end: f.recording_end, file_type: f.file_type,
      file_extension: EXTENSIONS[f.file_type], download_url: `${this.url}/rec/download/${f.id}`, recording_type: f.recording_type ?? DEFAULT_TYPES[f.file_type],
    };
    // As documented, CC and TIMELINE entries come without id, status or size.
    if (f.file_type === 'CC' || f.file_type === 'TIMELINE') return base;
    return { id: f.id, ...base, file_size: size, play_url: `${this.url}/rec/play/${f.id}`, status: 'completed' };
  }

  private recordingObject(rec: EmulatedRecording): Record<string, unknown> {
    const files = rec.files.map((f) => this.fileObject(rec, f));
    return {
      uuid: rec.uuid, id: rec.meetingId, account_id: this.account.accountId, host_id: 'host-id', topic: rec.topic, type: 2, start_time: rec.start_time,
      timezone: 'UTC', host_email: 'host@example.test', duration: rec.duration,
      total_size: files.reduce((n, f) => n + (typeof f.file_size === 'number' ? f.file_size : 0), 0),
      recording_count: files.length, share_url: `${this.url}/rec/share/${token(8)}`, recording_files: files,
    };
  }

  // ---------------------------------------------------------------- HTTP

  private json(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) }).end(text);
  }

  /** Answers 429 when a rate limit was set for this path; true when it did. */
  private rateLimited(res: http.ServerResponse, apiPath: string): boolean {
    const limit = this.rateLimits.find((l) => apiPath.startsWith(l.pathPrefix) && l.answers.length > 0);
    const answer = limit?.answers.shift();
    if (!answer) return false;
    if (answer.type === 'per-second') {
      this.json(res, 429, { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' }, {
        'x-ratelimit-category': 'Medium', 'x-ratelimit-type': 'QPS', 'x-ratelimit-limit': '20', 'retry-after': String(answer.retryAfterSeconds),
      });
    } else {
      this.json(res, 429, { code: 429, message: 'You have exceeded the daily rate limit of this API. You may resume these requests at GMT 00:00:00.' }, {
        'x-ratelimit-category': 'Heavy', 'x-ratelimit-type': 'Daily-limit', 'x-ratelimit-limit': '30000', 'x-ratelimit-remaining': '0',
        'retry-after': answer.resumesAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    }
    return true;
  }

  private async readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | null> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (chunks.length === 0) return null;
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  private bearer(req: http.IncomingMessage): string | null {
    return /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse) {
    const [rawPath = '/', query = ''] = (req.url ?? '/').split('?');
    const method = req.method ?? 'GET';
    const request: EmulatedRequest = { method, path: rawPath, query, at: Date.now(), status: 0 };
    this.requests.push(request);
    res.on('finish', () => (request.status = res.statusCode));
    const params = new URLSearchParams(query);
    const parts = rawPath.split('/').slice(1);

    if (method === 'POST' && rawPath === '/oauth/token') return this.oauth(req, res, params);
    if (parts[0] === 'rec' && parts[1] === 'download' && parts[2] && method === 'GET') return this.download(req, res, decodeURIComponent(parts[2]), params);
    if (parts[0] !== 'v2') return this.json(res, 404, { code: 404, message: 'Not found' });

    const t = this.bearer(req);
    if (!t || !this.accessTokens.has(t)) return this.json(res, 401, { code: 124, message: 'Invalid access token.' });
    if (this.rateLimited(res, rawPath.slice('/v2'.length))) return;

    // /v2/users/me/meetings
    if (parts[1] === 'users' && parts[2] === 'me' && parts[3] === 'meetings' && parts.length === 4 && method === 'POST') return this.createMeeting(req, res);
    if (parts[1] === 'users' && parts[2] === 'me' && parts[3] === 'recordings' && parts.length === 4 && method === 'GET') return this.listRecordings(res, params);
    if (parts[1] === 'meetings' && parts[2] && parts.length === 3 && (method === 'PATCH' || method === 'DELETE' || method === 'GET')) return this.meeting(req, res, method, parts[2]);
    if (parts[1] === 'meetings' && parts[2] && parts[3] === 'recordings' && parts.length === 4 && method === 'GET') return this.meetingRecordings(res, parts[2], params);
    return this.json(res, 404, { code: 404, message: `No API at ${method} ${rawPath}` });
  }

  private oauth(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams) {
    this.tokenRequests++;
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    if (id !== this.account.clientId || secret !== this.account.clientSecret) return this.json(res, 400, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
    if (params.get('grant_type') !== 'account_credentials') return this.json(res, 400, { reason: 'Unsupported grant type', error: 'unsupported_grant_type' });
    if (params.get('account_id') !== this.account.accountId) return this.json(res, 400, { reason: 'Invalid account_id', error: 'invalid_request' });
    const t = `at_${token()}`;
    this.accessTokens.add(t);
    return this.json(res, 200, { access_token: t, token_type: 'bearer', expires_in: 3600, scope: 'meeting:write:admin recording:read:admin', api_url: 'https://api.zoom.us' });
  }

  private async createMeeting(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = await this.readJson(req);
    const settings = (body?.settings ?? {}) as Record<string, unknown>;
    if (!body || typeof body.topic !== 'string' || body.type !== 2 || typeof body.start_time !== 'string' || typeof body.duration !== 'number' || typeof body.timezone !== 'string') {
      return this.json(res, 400, { code: 300, message: 'Validation Failed.', errors: [{ field: 'body', message: 'topic, type 2, start_time, duration and timezone are required' }] });
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(body.start_time)) return this.json(res, 400, { code: 300, message: `Invalid start_time ${body.start_time}` });
    const id = 80_000_000_000 + Math.floor(Math.random() * 9_999_999_999);
    const password = token(4);
    const m: EmulatedMeeting = {
      id, uuid: zoomUuid(), topic: body.topic, type: 2, start_time: body.start_time, duration: body.duration, timezone: body.timezone, settings,
      join_url: `${this.url}/j/${id}?pwd=${password}`, start_url: `${this.url}/s/${id}?zak=${token(32)}`, password, deleted: false, patches: [],
    };
    this.meetings.set(id, m);
    return this.json(res, 201, {
      uuid: m.uuid, id: m.id, host_id: 'host-id', host_email: 'host@example.test', topic: m.topic, type: 2, status: 'waiting', start_time: m.start_time,
      duration: m.duration, timezone: m.timezone, created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), start_url: m.start_url, join_url: m.join_url,
      password: m.password, settings: { ...settings, auto_recording: settings.auto_recording ?? 'none' }, pre_schedule: false,
    });
  }

  private async meeting(req: http.IncomingMessage, res: http.ServerResponse, method: string, rawId: string) {
    const m = this.meetings.get(Number(decodeURIComponent(rawId)));
    if (!m || m.deleted) return this.json(res, 404, { code: 3001, message: `Meeting does not exist: ${decodeURIComponent(rawId)}.` });
    if (method === 'GET') {
      // Zoom issues a new start_url (with a new zak) on every read; the one given at creation lapses after two hours.
      m.start_url = `${this.url}/s/${m.id}?zak=${token(32)}`;
      return this.json(res, 200, {
        uuid: m.uuid, id: m.id, host_id: 'host-id', host_email: 'host@example.test', topic: m.topic, type: m.type, status: 'waiting', start_time: m.start_time,
        duration: m.duration, timezone: m.timezone, start_url: m.start_url, join_url: m.join_url, password: m.password, settings: m.settings, pre_schedule: false,
      });
    }
    if (method === 'DELETE') {
      m.deleted = true;
      return this.json(res, 204);
    }
    const body = await this.readJson(req);
    if (!body) return this.json(res, 400, { code: 300, message: 'Request Body should be a valid JSON object.' });
    m.patches.push(body);
    if (typeof body.topic === 'string') m.topic = body.topic;
    if (typeof body.start_time === 'string') m.start_time = body.start_time;
    if (typeof body.duration === 'number') m.duration = body.duration;
    if (typeof body.settings === 'object' && body.settings) m.settings = { ...m.settings, ...(body.settings as Record<string, unknown>) };
    return this.json(res, 204);
  }

  /** As documented, a UUID that starts with `/` or contains `//` only arrives intact when encoded twice. */
  private decodeUuid(raw: string): string | null {
    const once = decodeURIComponent(raw);
    if (once.startsWith('/') || once.includes('//')) return null;
    return once.includes('%') ? decodeURIComponent(once) : once;
  }

  private meetingRecordings(res: http.ServerResponse, raw: string, params: URLSearchParams) {
    const key = this.decodeUuid(raw);
    let rec = key ? this.recordings.get(key) : undefined;
    // A meeting id instead of a UUID means its latest instance.
    if (!rec && key && /^\d+$/.test(key)) rec = [...this.recordings.values()].filter((r) => r.meetingId === Number(key)).at(-1);
    if (!rec) return this.json(res, 404, { code: 3301, message: 'This recording does not exist.' });
    const body: Record<string, unknown> = this.recordingObject(rec);
    if ((params.get('include_fields') ?? '').split(',').includes('download_access_token')) body.download_access_token = this.issueDownloadToken();
    return this.json(res, 200, body);
  }

  private listRecordings(res: http.ServerResponse, params: URLSearchParams) {
    const today = new Date().toISOString().slice(0, 10);
    const from = params.get('from') ?? today;
    const to = params.get('to') ?? today;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) return this.json(res, 400, { code: 300, message: 'Invalid from/to: use yyyy-mm-dd' });
    const pageSize = Math.min(Number(params.get('page_size') ?? 30) || 30, 300, this.maxPageSize);
    const offset = params.get('next_page_token') ? Number(Buffer.from(params.get('next_page_token')!, 'base64url').toString()) : 0;
    const all = [...this.recordings.values()].filter((r) => r.start_time.slice(0, 10) >= from && r.start_time.slice(0, 10) <= to);
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : '';
    return this.json(res, 200, {
      from, to, page_count: Math.ceil(all.length / pageSize), page_size: pageSize, total_records: all.length, next_page_token: next,
      meetings: page.map((r) => this.recordingObject(r)),
    });
  }

  private async download(req: http.IncomingMessage, res: http.ServerResponse, fileId: string, params: URLSearchParams) {
    const hold = this.holds.get(fileId);
    if (hold) {
      this.holds.delete(fileId);
      hold.arrived();
      await hold.released;
    }
    const stats = this.downloads.get(fileId) ?? { ok: 0, failed: 0 };
    this.downloads.set(fileId, stats);
    const t = this.bearer(req) ?? params.get('access_token');
    if (!t || !(this.downloadTokens.has(t) || this.accessTokens.has(t))) {
      stats.failed++;
      return this.json(res, 401, { status: false, errorCode: 401, errorMessage: 'The download token has expired or is invalid.' });
    }
    const failure = this.failures.get(fileId);
    const file = this.fileById(fileId);
    if (failure && failure.times > 0 && failure.status === 'cut' && file?.path) {
      failure.times--;
      stats.failed++;
      const size = statSync(file.path).size;
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
      createReadStream(file.path, { start: 0, end: Math.floor(size / 2) }).on('end', () => res.destroy()).pipe(res, { end: false });
      return;
    }
    if (failure && failure.times > 0 && failure.status !== 'cut') {
      failure.times--;
      stats.failed++;
      return this.json(res, failure.status, { code: failure.status, message: 'Internal error' });
    }
    if (!file || file.missing) {
      stats.failed++;
      return this.json(res, 404, { code: 3301, message: 'This recording does not exist.' });
    }
    stats.ok++;
    const type = file.file_type === 'MP4' ? 'video/mp4' : file.file_type === 'M4A' ? 'audio/mp4' : 'application/octet-stream';
    const headers = { 'content-type': type, 'content-disposition': `attachment; filename="${file.id}.${EXTENSIONS[file.file_type].toLowerCase()}"` };
    if (file.path) {
      res.writeHead(200, { ...headers, 'content-length': statSync(file.path).size });
      createReadStream(file.path).pipe(res);
      return;
    }
    const body = Buffer.from(file.text ?? '');
    res.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
  }
}

/** `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{body}`), as Zoom signs. */
export function signZoomBody(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * Sends an event the way Zoom does: compact JSON, `x-zm-request-timestamp` and `x-zm-signature`. `timestamp` and
 * `signWith` let a test send a stale or forged delivery.
 */
export async function sendZoomWebhook(
  url: string,
  secret: string,
  event: ZoomWebhookEvent | Record<string, unknown>,
  opts: { timestamp?: number; signWith?: string; rawBody?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const body = opts.rawBody ?? JSON.stringify(event);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Zoom Marketplace/1.0a',
      'x-zm-request-timestamp': String(ts),
      'x-zm-signature': signZoomBody(opts.signWith ?? secret, ts, body),
      'x-zm-trackingid': `v=2.0&s=${token(8)}`,
    },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, ms };
}
