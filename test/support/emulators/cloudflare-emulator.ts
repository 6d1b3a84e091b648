import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MASTER_PLAYLIST, makeVideoMedia, plain, sendFile, verifiedTokenSubject } from './cloudflare-media';

/**
 * A local Cloudflare: the Stream and RealtimeKit REST API under `/client/v4` (responses wrapped as Cloudflare wraps
 * them), media made with FFmpeg and served as Cloudflare serves it (signed URLs checked), and the three kinds of
 * webhooks signed as Cloudflare signs them. Tests drive broadcasts and meetings, and inject faults.
 */

export interface CloudflareEmulatorOptions {
  accountId: string;
  apiToken: string;
  streamWebhookSecret: string;
  notificationSecret: string;
  appId: string;
  /** Seconds of media each broadcast or meeting recording has. */
  mediaSeconds?: number;
}

export interface LoggedRequest { method: string; path: string; status: number; at: number }
export interface WebhookDelivery { kind: 'stream' | 'notification' | 'realtimekit'; body: string; headers: Record<string, string>; status?: number; dropped: boolean; about: string }

interface Video {
  uid: string; liveInput: string; state: string; created: string; duration: number; dir: string | null; requireSignedURLs: boolean;
  mp4: 'none' | 'inprogress' | 'ready'; mp4Refused: boolean; error?: { code: string; text: string };
}
interface LiveInput { uid: string; name: string; streamKey: string; enabled: boolean; deleteRecordingAfterDays: number | null; requireSignedURLs: boolean; timeoutSeconds: unknown; current: string | null }
interface RtkRecording { id: string; meetingId: string; status: string; file: string | null; fileSize: number; expiry: number; token: string; started: string; stopped: string | null; foreignUrl?: string }

export class CloudflareEmulator {
  readonly requests: LoggedRequest[] = [];
  readonly webhooks: WebhookDelivery[] = [];
  readonly liveInputs = new Map<string, LiveInput>();
  readonly videos = new Map<string, Video>();
  readonly meetings = new Map<string, { id: string; title: string; recordOnStart: boolean; participants: { name: string; preset: string; customId: string; token: string }[]; active: string | null }>();
  readonly rtkRecordings = new Map<string, RtkRecording>();
  readonly rtkKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly signingKeys = new Map<string, KeyObject>();
  private readonly faults: { match: RegExp; status: number; remaining: number }[] = [];
  private readonly lost: { kind: WebhookDelivery['kind']; remaining: number }[] = [];
  private readonly pendingWork = new Set<Promise<unknown>>();
  private server: http.Server | null = null;
  private workDir = '';
  webhookUrl: string | undefined;
  baseUrl = '';
  /** The next RealtimeKit download URL points to another host (not Cloudflare's). */
  foreignDownloadUrl: string | null = null;
  /** How long the next RealtimeKit download URLs stay valid (negative: lapsed when announced). */
  downloadUrlTtlMs = 3_600_000;

  constructor(readonly opts: CloudflareEmulatorOptions) {}

  get apiBase() { return `${this.baseUrl}/client/v4`; }
  get keysUrl() { return `${this.baseUrl}/.well-known/webhooks.json`; }
  get rtkPublicKeyPem() { return this.rtkKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(); }

  async start(): Promise<this> {
    this.workDir = await mkdtemp(path.join(os.tmpdir(), 'aula-cf-emu-'));
    this.server = http.createServer((req, res) => void this.route(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ success: false, errors: [{ code: 10001, message: String(err) }] }));
    }));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingWork]);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------ test controls
  failNext(match: RegExp, status: number, times = 1) { this.faults.push({ match, status, remaining: times }); }
  loseNextWebhook(kind: WebhookDelivery['kind'], times = 1) { this.lost.push({ kind, remaining: times }); }
  refuseMp4(videoUid: string) { const v = this.videos.get(videoUid); if (v) v.mp4Refused = true; }
  /** Resolves when every background job (media, webhooks) started so far has finished. */
  async idle() { while (this.pendingWork.size) await Promise.allSettled([...this.pendingWork]); }

  /** OBS connects to the input: a notification, and a video recording the broadcast. */
  async connect(inputUid: string): Promise<string> {
    const input = this.mustInput(inputUid);
    const uid = randomBytes(16).toString('hex');
    this.videos.set(uid, { uid, liveInput: inputUid, state: 'live-inprogress', created: new Date().toISOString(), duration: -1, dir: null, requireSignedURLs: input.requireSignedURLs, mp4: 'none', mp4Refused: false });
    input.current = uid;
    await this.notify(inputUid, 'live_input.connected');
    return uid;
  }

  /** OBS disconnects: a notification; the video is then processed (real media) and its webhook sent (or lost). */
  async disconnect(inputUid: string, o: { fail?: { code: string; text: string } } = {}): Promise<string> {
    const input = this.mustInput(inputUid);
    const uid = input.current!;
    input.current = null;
    await this.notify(inputUid, 'live_input.disconnected');
    const video = this.videos.get(uid)!;
    video.state = 'inprogress';
    this.background((async () => {
      if (o.fail) {
        video.state = 'error';
        video.error = o.fail;
      } else {
        const seconds = this.opts.mediaSeconds ?? 6;
        await makeVideoMedia(path.join(this.workDir, uid), seconds);
        video.dir = path.join(this.workDir, uid);
        video.duration = seconds;
        video.state = 'ready';
      }
      await this.sendStream(video);
    })());
    return uid;
  }

  async errored(inputUid: string, code: string, message: string) {
    await this.notify(inputUid, 'live_input.errored', { live_input_errored: { error: { code, message }, video_codec: 'HEVC', audio_codec: 'AAC' } });
  }

  /** The meeting's first participant arrives: a meeting that records on start begins recording. */
  startMeeting(meetingId: string): string | null {
    const m = this.meetings.get(meetingId)!;
    return m.recordOnStart && !m.active ? this.beginRecording(meetingId).id : null;
  }

  /** Everyone leaves: an active recording stops, uploads and is announced. */
  endMeeting(meetingId: string) {
    const m = this.meetings.get(meetingId)!;
    if (m.active) this.stopRecording(m.active);
  }

  // ------------------------------------------------------------------ webhooks
  private async notify(inputUid: string, eventType: string, extra: Record<string, unknown> = {}) {
    const body = JSON.stringify({ name: 'Aula live inputs', text: `${eventType} for ${inputUid}`, data: { notification_name: 'Stream Live Input', input_id: inputUid, event_type: eventType, updated_at: new Date().toISOString(), ...extra }, ts: Math.floor(Date.now() / 1000) });
    await this.deliver('notification', body, { 'cf-webhook-auth': this.opts.notificationSecret }, `${eventType} ${inputUid}`);
  }

  private async sendStream(video: Video) {
    const body = JSON.stringify(this.videoJson(video));
    const time = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', this.opts.streamWebhookSecret).update(`${time}.${body}`).digest('hex');
    await this.deliver('stream', body, { 'webhook-signature': `time=${time},sig1=${sig}` }, `video ${video.uid} ${video.state}`);
  }

  private async sendRtk(rec: RtkRecording) {
    const m = this.meetings.get(rec.meetingId)!;
    const body = JSON.stringify({
      event: 'recording.statusUpdate',
      recording: {
        id: rec.id, status: rec.status, downloadUrl: rec.file ? this.rtkUrl(rec) : null, audioDownloadUrl: null, downloadUrlExpiry: rec.file ? new Date(rec.expiry).toISOString() : null,
        startedTime: rec.started, stoppedTime: rec.stopped, fileSize: String(rec.fileSize), outputFileName: `${rec.id}.mp4`, meetingId: rec.meetingId, recordingDuration: rec.file ? (this.opts.mediaSeconds ?? 6) : 0,
      },
      meeting: { id: m.id, sessionId: randomUUID(), title: m.title, roomName: m.id, status: 'LIVE' },
    });
    const signature = sign('RSA-SHA256', Buffer.from(body), this.rtkKeys.privateKey).toString('base64');
    await this.deliver('realtimekit', body, { 'rtk-signature': signature, 'rtk-uuid': randomUUID(), 'rtk-webhook-id': 'wh_aula' }, `recording ${rec.id} ${rec.status}`);
  }

  /** Sends a body signed by the caller (tests forge and replay with it). */
  async post(headers: Record<string, string>, body: string): Promise<Response> {
    return fetch(this.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }

  private async deliver(kind: WebhookDelivery['kind'], body: string, headers: Record<string, string>, about: string) {
    const lose = this.lost.find((l) => l.kind === kind && l.remaining > 0);
    const delivery: WebhookDelivery = { kind, body, headers, dropped: Boolean(lose), about };
    this.webhooks.push(delivery);
    if (lose) {
      lose.remaining--;
      return;
    }
    if (!this.webhookUrl) return;
    const res = await this.post(headers, body);
    delivery.status = res.status;
    await res.text();
  }

  private background(work: Promise<unknown>) {
    const p = work.catch((err: unknown) => console.error('cloudflare emulator:', err)).finally(() => this.pendingWork.delete(p));
    this.pendingWork.add(p);
  }

  // ------------------------------------------------------------------ HTTP
  private videoJson(v: Video) {
    return {
      uid: v.uid, readyToStream: v.state === 'ready', status: { state: v.state, pctComplete: v.state === 'ready' ? '100.000000' : '0', ...(v.error ? { errReasonCode: v.error.code, errReasonText: v.error.text, step: 'encoding' } : { errorReasonCode: '', errorReasonText: '' }) },
      meta: { name: this.liveInputs.get(v.liveInput)?.name ?? '' }, created: v.created, modified: new Date().toISOString(), duration: v.duration, liveInput: v.liveInput, requireSignedURLs: v.requireSignedURLs,
      playback: { hls: `${this.baseUrl}/${v.uid}/manifest/video.m3u8`, dash: `${this.baseUrl}/${v.uid}/manifest/video.mpd` }, thumbnail: `${this.baseUrl}/${v.uid}/thumbnails/thumbnail.jpg`,
    };
  }

  private liveInputJson(i: LiveInput) {
    return {
      uid: i.uid, rtmps: { url: 'rtmps://live.cloudflare.com:443/live/', streamKey: i.streamKey }, srt: { url: 'srt://live.cloudflare.com:778', streamId: i.uid, passphrase: 'x' },
      webRTC: { url: `${this.baseUrl}/${i.uid}/webRTC/publish` }, status: i.current ? { current: { state: 'connected' } } : null, created: new Date().toISOString(),
      meta: { name: i.name }, recording: { mode: 'automatic', timeoutSeconds: i.timeoutSeconds, requireSignedURLs: i.requireSignedURLs }, deleteRecordingAfterDays: i.deleteRecordingAfterDays, enabled: i.enabled,
    };
  }

  private rtkUrl(rec: RtkRecording) {
    return rec.foreignUrl ?? `${this.baseUrl}/rtk-files/${rec.id}.mp4?token=${rec.token}&expires=${rec.expiry}`;
  }

  private mustInput(uid: string) {
    const i = this.liveInputs.get(uid);
    if (!i) throw new Error(`no live input ${uid}`);
    return i;
  }

  private beginRecording(meetingId: string): RtkRecording {
    const m = this.meetings.get(meetingId)!;
    const rec: RtkRecording = { id: randomUUID(), meetingId, status: 'RECORDING', file: null, fileSize: 0, expiry: 0, token: randomBytes(12).toString('hex'), started: new Date().toISOString(), stopped: null };
    this.rtkRecordings.set(rec.id, rec);
    m.active = rec.id;
    this.background(this.sendRtk({ ...rec }));
    return rec;
  }

  private stopRecording(id: string) {
    const rec = this.rtkRecordings.get(id)!;
    const m = this.meetings.get(rec.meetingId)!;
    if (m.active === id) m.active = null;
    rec.status = 'UPLOADING';
    rec.stopped = new Date().toISOString();
    const foreign = this.foreignDownloadUrl;
    this.foreignDownloadUrl = null;
    this.background((async () => {
      await this.sendRtk({ ...rec });
      const { mp4 } = await makeVideoMedia(path.join(this.workDir, `rtk-${id}`), this.opts.mediaSeconds ?? 6);
      rec.file = mp4;
      rec.fileSize = (await stat(mp4)).size;
      rec.expiry = Date.now() + this.downloadUrlTtlMs;
      if (foreign) rec.foreignUrl = foreign;
      rec.status = 'UPLOADED';
      await this.sendRtk({ ...rec });
    })());
  }

  private rtkJson(rec: RtkRecording) {
    return {
      id: rec.id, status: rec.status, meeting_id: rec.meetingId, download_url: rec.file ? this.rtkUrl(rec) : null, download_url_expiry: rec.file ? new Date(rec.expiry).toISOString() : null,
      file_size: rec.fileSize, started_time: rec.started, stopped_time: rec.stopped, invoked_time: rec.started, output_file_name: `${rec.id}.mp4`,
    };
  }

  /** Is `segment` a video uid, or a signed token for one (RS256, a key made by `POST /stream/keys`, not expired)? */
  private videoForPath(segment: string): { video: Video; signed: boolean } | null {
    const direct = this.videos.get(segment);
    if (direct) return { video: direct, signed: false };
    const sub = verifiedTokenSubject(segment, this.signingKeys);
    const video = sub ? this.videos.get(sub) : undefined;
    return video ? { video, signed: true } : null;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const log = (status: number) => this.requests.push({ method: req.method ?? 'GET', path: url.pathname, status, at: Date.now() });
    const json = (status: number, payload: unknown) => {
      log(status);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const ok = (result: unknown, status = 200) => json(status, { result, success: true, errors: [], messages: [] });
    const okRtk = (data: unknown, status = 200) => json(status, { success: true, data });
    const fail = (status: number, code: number, message: string) => json(status, { result: null, success: false, errors: [{ code, message }], messages: [] });
    const method = req.method ?? 'GET';

    const fault = this.faults.find((f) => f.remaining > 0 && f.match.test(`${method} ${url.pathname}`));
    if (fault) {
      fault.remaining--;
      return fail(fault.status, 10002, 'injected fault');
    }
    if (url.pathname === '/.well-known/webhooks.json') return json(200, { success: true, data: { publicKey: this.rtkPublicKeyPem } });
    if (url.pathname.startsWith('/rtk-files/')) return this.serveRtkFile(url, res, log);
    if (!url.pathname.startsWith('/client/v4/')) return this.serveStreamMedia(url, res, log);

    if (req.headers.authorization !== `Bearer ${this.opts.apiToken}`) return fail(401, 10000, 'Authentication error');
    const prefix = `/client/v4/accounts/${this.opts.accountId}`;
    if (!url.pathname.startsWith(`${prefix}/`)) return fail(403, 10000, 'Authentication error');
    const p = url.pathname.slice(prefix.length);
    let m: RegExpExecArray | null;

    if (p === '/stream/live_inputs' && method === 'GET') return ok([...this.liveInputs.values()].map((i) => ({ uid: i.uid, meta: { name: i.name }, created: new Date().toISOString(), deleteRecordingAfterDays: i.deleteRecordingAfterDays })));
    if (p === '/stream/live_inputs' && method === 'POST') {
      const rec = body.recording as { mode?: string; timeoutSeconds?: unknown; requireSignedURLs?: boolean } | undefined;
      const days = body.deleteRecordingAfterDays as number | null | undefined;
      if (rec?.mode !== 'automatic' && rec?.mode !== 'off') return fail(400, 10005, 'recording.mode must be automatic or off');
      if (days !== null && days !== undefined && (days < 30 || days > 1096)) return fail(400, 10005, 'deleteRecordingAfterDays must be between 30 and 1096');
      const input: LiveInput = { uid: randomBytes(16).toString('hex'), name: String((body.meta as { name?: string } | undefined)?.name ?? ''), streamKey: `${randomBytes(16).toString('hex')}k${randomBytes(16).toString('hex')}`, enabled: body.enabled !== false, deleteRecordingAfterDays: days ?? null, requireSignedURLs: rec.requireSignedURLs === true, timeoutSeconds: rec.timeoutSeconds, current: null };
      this.liveInputs.set(input.uid, input);
      return ok(this.liveInputJson(input), 201);
    }
    if ((m = /^\/stream\/live_inputs\/([a-f0-9]+)(\/videos|\/rotate_keys)?$/.exec(p))) {
      const input = this.liveInputs.get(m[1]!);
      if (!input) return fail(404, 10003, 'Live input not found');
      if (m[2] === '/videos' && method === 'GET') return ok([...this.videos.values()].filter((v) => v.liveInput === input.uid).map((v) => this.videoJson(v)));
      if (m[2] === '/rotate_keys' && method === 'POST') {
        input.streamKey = `${randomBytes(16).toString('hex')}k${randomBytes(16).toString('hex')}`;
        return ok(this.liveInputJson(input));
      }
      if (!m[2] && method === 'GET') return ok(this.liveInputJson(input));
      if (!m[2] && method === 'PUT') {
        if (typeof body.enabled === 'boolean') input.enabled = body.enabled;
        return ok(this.liveInputJson(input));
      }
      if (!m[2] && method === 'DELETE') {
        this.liveInputs.delete(input.uid);
        return ok(null);
      }
    }
    if (p === '/stream/keys' && method === 'POST') {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const id = randomBytes(16).toString('hex');
      this.signingKeys.set(id, pair.publicKey);
      const pem = Buffer.from(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()).toString('base64');
      return ok({ id, pem, jwk: 'unused', created: new Date().toISOString() });
    }
    if ((m = /^\/stream\/([a-f0-9]{32})(\/downloads)?$/.exec(p))) {
      const video = this.videos.get(m[1]!);
      if (!video) return fail(404, 10003, 'Video not found');
      if (!m[2] && method === 'GET') return ok(this.videoJson(video));
      if (!m[2] && method === 'DELETE') {
        this.videos.delete(video.uid);
        return ok(null);
      }
      if (m[2] && (method === 'POST' || method === 'GET')) {
        if (video.mp4Refused) return fail(400, 10005, 'Downloads are only available for live recordings under 4 hours');
        if (video.state !== 'ready') return fail(400, 10005, 'The video is not ready');
        // The first request starts making the MP4; it is ready by the next.
        if (method === 'POST' && video.mp4 === 'none') video.mp4 = 'inprogress';
        else if (video.mp4 === 'inprogress') video.mp4 = 'ready';
        const ready = video.mp4 === 'ready';
        return ok({ default: { status: ready ? 'ready' : 'inprogress', url: `${this.baseUrl}/${video.uid}/downloads/default.mp4`, percentComplete: ready ? 100 : 75 } });
      }
    }
    const rtk = `/realtime/kit/${this.opts.appId}`;
    if (p.startsWith(`${rtk}/`)) return this.routeRtk(p.slice(rtk.length), method, body, okRtk, fail);
    return fail(404, 7003, `No route for ${method} ${p}`);
  }

  private routeRtk(p: string, method: string, body: Record<string, unknown>, ok: (data: unknown, status?: number) => void, fail: (status: number, code: number, message: string) => void) {
    let m: RegExpExecArray | null;
    if (p === '/meetings' && method === 'POST') {
      const meeting = { id: randomUUID(), title: String(body.title ?? ''), recordOnStart: body.record_on_start === true, participants: [], active: null };
      this.meetings.set(meeting.id, meeting);
      return ok({ id: meeting.id, title: meeting.title, record_on_start: meeting.recordOnStart, status: 'ACTIVE', created_at: new Date().toISOString() }, 201);
    }
    if ((m = /^\/meetings\/([0-9a-f-]{36})\/participants$/.exec(p)) && method === 'POST') {
      const meeting = this.meetings.get(m[1]!);
      if (!meeting) return fail(404, 404, 'Meeting not found');
      const participant = { name: String(body.name), preset: String(body.preset_name), customId: String(body.custom_participant_id), token: `rtk.${randomBytes(24).toString('base64url')}` };
      meeting.participants.push(participant);
      return ok({ id: randomUUID(), name: participant.name, preset_name: participant.preset, custom_participant_id: participant.customId, token: participant.token }, 201);
    }
    if (p === '/recordings' && method === 'POST') {
      const meeting = this.meetings.get(String(body.meeting_id));
      if (!meeting) return fail(404, 404, 'Meeting not found');
      if (meeting.active) return fail(409, 409, 'The meeting is already being recorded');
      return ok(this.rtkJson(this.beginRecording(meeting.id)), 201);
    }
    if ((m = /^\/recordings\/([0-9a-f-]{36})$/.exec(p))) {
      const rec = this.rtkRecordings.get(m[1]!);
      if (!rec) return fail(404, 404, 'Recording not found');
      if (method === 'GET') {
        // A fresh download URL, as the API hands out.
        if (rec.file) rec.expiry = Math.max(rec.expiry, Date.now() + 3_600_000);
        return ok(this.rtkJson(rec));
      }
      if (method === 'PUT' && body.action === 'stop') {
        if (rec.status !== 'RECORDING') return fail(400, 400, `Recording is ${rec.status}`);
        this.stopRecording(rec.id);
        return ok(this.rtkJson(rec));
      }
    }
    return fail(404, 404, `No route for ${method} ${p}`);
  }

  private async serveRtkFile(url: URL, res: http.ServerResponse, log: (s: number) => void) {
    const rec = this.rtkRecordings.get(path.basename(url.pathname, '.mp4'));
    if (!rec?.file || url.searchParams.get('token') !== rec.token) return plain(res, log, 404, 'NoSuchKey');
    if (Number(url.searchParams.get('expires')) !== rec.expiry || rec.expiry < Date.now()) return plain(res, log, 403, 'Request has expired');
    return sendFile(res, log, rec.file, 'video/mp4');
  }

  private async serveStreamMedia(url: URL, res: http.ServerResponse, log: (s: number) => void) {
    const [, first, ...rest] = url.pathname.split('/');
    const found = first ? this.videoForPath(first) : null;
    if (!found?.video.dir) return plain(res, log, 404, 'not found');
    if (found.video.requireSignedURLs && !found.signed) return plain(res, log, 403, 'this video requires a signed URL');
    const file = rest.join('/');
    if (file === 'manifest/video.m3u8') {
      log(200);
      return res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'access-control-allow-origin': '*' }).end(MASTER_PLAYLIST);
    }
    if (file === 'downloads/default.mp4' && found.video.mp4 === 'ready') return sendFile(res, log, path.join(found.video.dir, 'default.mp4'), 'video/mp4');
    if (/^manifest\/(video_0\.m3u8|seg_\d+\.ts)$/.test(file)) return sendFile(res, log, path.join(found.video.dir, file), file.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl');
    return plain(res, log, 404, 'not found');
  }
}
