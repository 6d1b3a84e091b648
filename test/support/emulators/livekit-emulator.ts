import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { egressInfoJson, nowNs, planOutputs, plannedResults, recordEgressMedia, redactedRequest, TERMINAL, type EgressKind, type EgressRecord, type EgressStatus } from './livekit-egress';
import type { MediaPicture, ProcessSet } from './livekit-media';
import { TwirpFront, type ApiFaultCode, type ApiRequest } from './livekit-twirp';
import { WebhookSender, type WebhookDelivery, type WebhookFault } from './livekit-webhooks';
import { newParticipant, newRoom, participantJson, roomJson, type EmulatedRoom, type ParticipantKind } from './livekit-rooms';
import {
  createRoomSchema, deleteRoomSchema, listSchema, livekitId, parseTwirpBody, participantSchema, roomCompositeSchema, stopSchema, trackCompositeSchema,
  TwirpFailure, type Json, type StartRequest, type VideoGrant,
} from './livekit-wire';

/**
 * A local LiveKit for tests: the Twirp Egress API (and the Room API calls that create, list and delete rooms), real
 * FFmpeg media written where egress would write it (an S3 bucket or a shared directory), and webhooks signed as
 * LiveKit signs them. Failures are injected on request: API calls that fail or hang, egresses that fail, stick in
 * STARTING or hit a limit, and webhooks that are dropped or duplicated.
 */

export interface LiveKitEmulatorOptions {
  apiKey: string;
  apiSecret: string;
  /** The directory shared with the egress host: outputs without an `s3` block land under it. */
  localOutputDir: string;
  /** Where the egress host mounts that directory (default `/`): absolute output paths are taken relative to it. */
  mountPath?: string;
  webhookUrl?: string;
  /** Media seconds of every egress instead of the wall-clock time between ACTIVE and stop. */
  mediaSecondsOverride?: number;
  /** Test picture of the recordings (default 320x180 at 15 fps). */
  picture?: MediaPicture;
  /** Time an egress spends in STARTING before it becomes ACTIVE (default 150 ms). */
  activationDelayMs?: number;
  /** Real LiveKit answers `not_found` to an egress for a room that does not exist; `true` creates it instead. */
  autoCreateRooms?: boolean;
  /** API answers in Twirp's default JSON (`proto`: snake_case names, zero values emitted, as LiveKit's server) or protojson (`json`). */
  apiJsonNames?: 'proto' | 'json';
}

export interface EgressBehaviour {
  /** Never becomes ACTIVE (no track published); StopEgress then aborts it. */
  stuckInStarting?: boolean;
  /** Ends in a failure instead of completing: right after becoming ACTIVE, or when stopped. */
  fail?: { error: string; status?: 'EGRESS_FAILED' | 'EGRESS_ABORTED'; when?: 'active' | 'stop' };
  mediaSeconds?: number;
}

interface EmulatedEgress extends EgressRecord {
  behaviour: EgressBehaviour;
}

/** The FFmpeg processes in flight; tests may watch them start (to check `close()` ends them). */
class TrackedProcesses extends Set<ChildProcess> {
  constructor(private readonly onAdd: (child: ChildProcess) => void) {
    super();
  }

  override add(child: ChildProcess): this {
    super.add(child);
    this.onAdd(child);
    return this;
  }
}

const FINAL_STATUS_ERRORS: Partial<Record<EgressStatus, number>> = { EGRESS_ABORTED: 412, EGRESS_LIMIT_REACHED: 413 };

export type { EgressStatus } from './livekit-egress';
export type { ApiFaultCode, ApiRequest } from './livekit-twirp';
export type { WebhookDelivery, WebhookFault } from './livekit-webhooks';

export class LiveKitEmulator {
  url = '';
  readonly events = new EventEmitter<{ webhook: [WebhookDelivery]; egress: [string, EgressStatus]; ffmpeg: [ChildProcess] }>();
  private readonly server: http.Server;
  private readonly keys: Map<string, string>;
  private readonly egresses = new Map<string, EmulatedEgress>();
  /** Every API request, in the order it arrived. */
  get requests(): readonly ApiRequest[] {
    return this.front.requests;
  }

  /** Every webhook attempted (or dropped), in order. */
  get webhooks(): readonly WebhookDelivery[] {
    return this.sender.deliveries;
  }

  private readonly rooms = new Map<string, EmulatedRoom>();
  private readonly processes: ProcessSet = new TrackedProcesses((child) => this.events.emit('ffmpeg', child));
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly work = new Set<Promise<unknown>>();
  private readonly front: TwirpFront;
  private behaviours: EgressBehaviour[] = [];
  private readonly sender: WebhookSender;
  private mediaSecondsOverride: number | undefined;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: LiveKitEmulatorOptions) {
    this.keys = new Map([[options.apiKey, options.apiSecret]]);
    this.sender = new WebhookSender(options.apiKey, options.apiSecret, (delivery) => this.events.emit('webhook', delivery));
    this.sender.url = options.webhookUrl;
    this.mediaSecondsOverride = options.mediaSecondsOverride;
    this.front = new TwirpFront(this.keys, options.apiJsonNames ?? 'proto', (rpc, body, video) => this.call(rpc, body, video));
    this.server = http.createServer((req, res) => void this.front.handle(req, res));
  }

  /** The server URL as LiveKit clients take it (`ws://…`); `url` is its HTTP API base. */
  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Stops the server, any FFmpeg it started, pending timers and hung requests. Safe to call more than once. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.sender.stop();
      for (const timer of this.timers) clearTimeout(timer);
      for (const child of this.processes) child.kill('SIGKILL');
      this.front.release();
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      await Promise.allSettled([...this.work]);
    })();
    return this.closed;
  }

  // ---------------------------------------------------------------- test controls

  setWebhookUrl(url: string | undefined): void {
    this.sender.url = url;
  }

  setMediaSecondsOverride(seconds: number | undefined): void {
    this.mediaSecondsOverride = seconds;
  }

  /** The next API calls (of one RPC, e.g. `Egress/StopEgress`, or any) answer a Twirp error, or hang until the client gives up. */
  failNextApiCalls(count: number, opts: { code?: ApiFaultCode; rpc?: string } = {}): void {
    this.front.failNext(count, opts.code ?? 'unavailable', opts.rpc);
  }

  /** The next egresses started take these behaviours, one each, in order. */
  queueEgressBehaviour(...behaviours: EgressBehaviour[]): void {
    this.behaviours.push(...behaviours);
  }

  /** The next `times` webhooks of this event (`egress_ended`, `*` for any) are dropped or sent twice. */
  injectWebhookFault(event: string, fault: WebhookFault, times = 1): void {
    this.sender.injectFault(event, fault, times);
  }

  createRoom(name: string, opts: { emptyTimeout?: number; departureTimeout?: number; maxParticipants?: number; metadata?: string } = {}): EmulatedRoom {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    const room = newRoom(name, opts);
    this.rooms.set(name, room);
    this.webhook('room_started', { room: this.roomJson(room) });
    return room;
  }

  emitRoomStarted(name: string): EmulatedRoom {
    return this.createRoom(name);
  }

  /** A participant becomes ACTIVE (the room starts first if it does not exist, as in LiveKit). */
  joinParticipant(roomName: string, identity: string, name = identity, opts: { kind?: ParticipantKind; metadata?: string } = {}): void {
    const room = this.createRoom(roomName);
    const participant = newParticipant(identity, name, opts.kind ?? 'STANDARD', opts.metadata);
    room.participants.set(identity, participant);
    this.webhook('participant_joined', { room: this.roomJson(room), participant: participantJson(participant) });
  }

  leaveParticipant(roomName: string, identity: string, reason = 'CLIENT_INITIATED'): void {
    this.departParticipant(roomName, identity, 'participant_left', reason);
  }

  /** A participant that never became ACTIVE gives up: `participant_connection_aborted`. */
  abortParticipant(roomName: string, identity: string, name = identity): void {
    const room = this.createRoom(roomName);
    const participant = { ...newParticipant(identity, name, 'STANDARD'), state: 'DISCONNECTED' as const, disconnectReason: 'JOIN_FAILURE' };
    this.webhook('participant_connection_aborted', { room: this.roomJson(room), participant: participantJson(participant) });
  }

  /** The room closes: its egresses end ("Source closed"), everyone leaves, then `room_finished`. */
  async finishRoom(roomName: string): Promise<void> {
    const room = this.rooms.get(roomName);
    if (!room) return;
    const ending = [...this.egresses.values()].filter((e) => e.roomName === roomName && !TERMINAL.has(e.status));
    await Promise.all(ending.map((e) => this.endEgress(e.egressId, 'source-closed')));
    for (const p of room.participants.values()) if (p.state !== 'DISCONNECTED') this.departParticipant(roomName, p.identity, 'participant_left', 'ROOM_DELETED');
    this.rooms.delete(roomName);
    this.webhook('room_finished', { room: this.roomJson(room) });
  }

  emitRoomFinished(roomName: string): Promise<void> {
    return this.finishRoom(roomName);
  }

  /** The recorder ends on its own: the source closed (COMPLETE) or the session limit was reached (LIMIT_REACHED, media kept). */
  async endEgress(egressId: string, reason: 'source-closed' | 'limit-reached'): Promise<void> {
    const egress = this.requireEgress(egressId);
    if (reason === 'limit-reached') await this.stop(egress, 'EGRESS_LIMIT_REACHED', 'End reason: Session limit reached', 'Session limit reached');
    else await this.stop(egress, 'EGRESS_COMPLETE', 'End reason: Source closed');
    await this.settled(egressId);
  }

  /** Fails a running egress now, with LiveKit's own error text. */
  failEgress(egressId: string, error: string, status: 'EGRESS_FAILED' | 'EGRESS_ABORTED' = 'EGRESS_FAILED'): void {
    const egress = this.requireEgress(egressId);
    if (!TERMINAL.has(egress.status)) this.terminate(egress, status, error, 'End reason: Failure');
  }

  /** A copy of an egress as ListEgress would show it (camelCase, zero values included). */
  egress(egressId: string): Json {
    return egressInfoJson(this.requireEgress(egressId));
  }

  egressIds(): string[] {
    return [...this.egresses.keys()];
  }

  waitForWebhook(match: (d: WebhookDelivery) => boolean, timeoutMs = 10_000): Promise<WebhookDelivery> {
    const found = this.webhooks.find(match);
    if (found) return Promise.resolve(found);
    return this.waitFor('webhook', (d: WebhookDelivery) => match(d), timeoutMs, 'webhook').then(([d]) => d);
  }

  /** Resolves when the egress reaches `status`; rejects, with its error, if it ends in another state first. */
  async waitForEgressStatus(egressId: string, status: EgressStatus, timeoutMs = 30_000): Promise<void> {
    const endsOtherwise = (s: EgressStatus) => s !== status && TERMINAL.has(s);
    let reached = this.egresses.get(egressId)?.status;
    if (reached !== status && !(reached && endsOtherwise(reached))) {
      [, reached] = await this.waitFor('egress', (id: string, s: EgressStatus) => id === egressId && (s === status || endsOtherwise(s)), timeoutMs, `${egressId} ${status}`);
    }
    if (reached !== status) throw new Error(`egress ${egressId} ended ${reached} (${this.egresses.get(egressId)?.error ?? ''}) instead of reaching ${status}`);
  }

  /** Resolves once every egress in flight has written its media and every queued webhook was attempted. */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.sender.idle();
  }

  // ---------------------------------------------------------------- HTTP

  private async call(rpc: string, body: string, video: VideoGrant | undefined): Promise<Json> {
    const need = (grant: keyof VideoGrant) => {
      if (!video?.[grant]) throw new TwirpFailure('unauthenticated', 'permissions denied');
    };
    switch (rpc) {
      case 'Egress/StartRoomCompositeEgress': need('roomRecord'); return this.startEgress('roomComposite', parseTwirpBody(body, roomCompositeSchema));
      case 'Egress/StartParticipantEgress': need('roomRecord'); return this.startEgress('participant', parseTwirpBody(body, participantSchema));
      case 'Egress/StartTrackCompositeEgress': need('roomRecord'); return this.startEgress('trackComposite', parseTwirpBody(body, trackCompositeSchema));
      case 'Egress/StopEgress': {
        need('roomRecord');
        const { egressId } = parseTwirpBody(body, stopSchema);
        const egress = this.egresses.get(egressId);
        if (!egress) throw new TwirpFailure('not_found', 'egress does not exist');
        if (egress.status !== 'EGRESS_STARTING' && egress.status !== 'EGRESS_ACTIVE') throw new TwirpFailure('failed_precondition', `egress with status ${egress.status} cannot be stopped`);
        await this.stop(egress, 'EGRESS_COMPLETE', 'End reason: StopEgress API');
        return egressInfoJson(egress);
      }
      case 'Egress/ListEgress': {
        need('roomRecord');
        const filter = parseTwirpBody(body, listSchema);
        const items = [...this.egresses.values()].filter((e) => (!filter.roomName || e.roomName === filter.roomName) && (!filter.egressId || e.egressId === filter.egressId) && (!filter.active || !TERMINAL.has(e.status)));
        return { items: items.map(egressInfoJson) };
      }
      case 'RoomService/CreateRoom': {
        need('roomCreate');
        const req = parseTwirpBody(body, createRoomSchema);
        if (!req.name) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: name');
        return this.roomJson(this.createRoom(req.name, req));
      }
      case 'RoomService/ListRooms': need('roomList'); return { rooms: [...this.rooms.values()].map((r) => this.roomJson(r)) };
      case 'RoomService/DeleteRoom': {
        need('roomCreate');
        const { room } = parseTwirpBody(body, deleteRoomSchema);
        if (!this.rooms.has(room)) throw new TwirpFailure('not_found', 'requested room does not exist');
        await this.finishRoom(room);
        return {};
      }
      default: throw new TwirpFailure('bad_route', `no handler for path "/twirp/livekit.${rpc}"`);
    }
  }

  // ---------------------------------------------------------------- egress lifecycle

  private startEgress(kind: EgressKind, req: StartRequest): Json {
    if (!req.roomName) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: room_name');
    const room = this.rooms.get(req.roomName) ?? (this.options.autoCreateRooms ? this.createRoom(req.roomName) : undefined);
    if (!room) throw new TwirpFailure('not_found', 'requested room does not exist');
    const tracks = 'audioTrackId' in req ? { audio: req.audioTrackId !== '', video: req.videoTrackId !== '' } : { audio: !('videoOnly' in req && req.videoOnly), video: !('audioOnly' in req && req.audioOnly) };
    if (!tracks.audio && !tracks.video) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: track_id');
    const outputs = planOutputs(req, !tracks.video, { name: room.name, sid: room.sid }, new Date());
    const egress: EmulatedEgress = {
      egressId: livekitId('EG_'), roomId: room.sid, roomName: room.name, kind, request: redactedRequest(req), audioOnly: !tracks.video, videoOnly: !tracks.audio,
      outputs, status: 'EGRESS_STARTING', startedAtNs: 0n, endedAtNs: 0n, updatedAtNs: nowNs(), activeSinceMs: 0, details: '', error: '', errorCode: 0,
      ...plannedResults(outputs), behaviour: this.behaviours.shift() ?? {},
    };
    this.egresses.set(egress.egressId, egress);
    this.egressWebhook('egress_started', egress);
    if (!egress.behaviour.stuckInStarting) this.later(this.options.activationDelayMs ?? 150, () => this.activate(egress));
    return egressInfoJson(egress);
  }

  private activate(egress: EmulatedEgress): void {
    if (egress.status !== 'EGRESS_STARTING') return;
    const room = this.rooms.get(egress.roomName);
    if (room) {
      const recorder = newParticipant(egress.egressId, '', 'EGRESS');
      room.participants.set(recorder.identity, recorder);
      this.webhook('participant_joined', { room: this.roomJson(room), participant: participantJson(recorder) });
    }
    egress.startedAtNs = nowNs();
    egress.activeSinceMs = Date.now();
    this.setStatus(egress, 'EGRESS_ACTIVE');
    this.egressWebhook('egress_updated', egress);
    const fail = egress.behaviour.fail;
    if (fail?.when === 'active') this.later(0, () => this.terminate(egress, fail.status ?? 'EGRESS_FAILED', fail.error, 'End reason: Failure'));
  }

  /** StartING aborts at once; ACTIVE goes ENDING and writes its media in the background, then ends as `final`. */
  private async stop(egress: EmulatedEgress, final: EgressStatus, details: string, limitError = ''): Promise<void> {
    if (egress.status === 'EGRESS_STARTING') return this.terminate(egress, 'EGRESS_ABORTED', 'Start signal not received', details);
    if (egress.status !== 'EGRESS_ACTIVE') return;
    this.setStatus(egress, 'EGRESS_ENDING');
    this.egressWebhook('egress_updated', egress);
    this.departParticipant(egress.roomName, egress.egressId, 'participant_left', 'CLIENT_INITIATED');
    const stoppedAtMs = Date.now();
    const job = this.finish(egress, final, details, limitError, stoppedAtMs);
    this.work.add(job);
    void job.finally(() => this.work.delete(job));
  }

  private async finish(egress: EmulatedEgress, final: EgressStatus, details: string, limitError: string, stoppedAtMs: number): Promise<void> {
    const fail = egress.behaviour.fail;
    if (fail && fail.when !== 'active') return this.terminate(egress, fail.status ?? 'EGRESS_FAILED', fail.error, 'End reason: Failure');
    const seconds = Math.max(0.5, egress.behaviour.mediaSeconds ?? this.mediaSecondsOverride ?? (stoppedAtMs - egress.activeSinceMs) / 1000);
    try {
      await recordEgressMedia(egress, seconds, { processes: this.processes, picture: this.options.picture ?? { width: 320, height: 180, fps: 15 }, localOutputDir: this.options.localOutputDir, mountPath: this.options.mountPath });
      this.terminate(egress, final, limitError, details);
    } catch (err) {
      if (this.closed) return;
      this.terminate(egress, 'EGRESS_FAILED', err instanceof Error ? err.message : String(err), 'End reason: Failure');
    }
  }

  private terminate(egress: EmulatedEgress, status: EgressStatus, error: string, details: string): void {
    if (TERMINAL.has(egress.status)) return;
    if (egress.status === 'EGRESS_ACTIVE') this.departParticipant(egress.roomName, egress.egressId, 'participant_left', 'CLIENT_INITIATED');
    egress.endedAtNs = nowNs();
    egress.error = error;
    egress.errorCode = error ? FINAL_STATUS_ERRORS[status] ?? 0 : 0;
    egress.details = details;
    this.setStatus(egress, status);
    this.egressWebhook('egress_ended', egress);
  }

  private setStatus(egress: EmulatedEgress, status: EgressStatus): void {
    egress.status = status;
    egress.updatedAtNs = nowNs();
    this.events.emit('egress', egress.egressId, status);
  }

  private settled(egressId: string): Promise<void> {
    if (TERMINAL.has(this.requireEgress(egressId).status)) return Promise.resolve();
    return this.waitFor('egress', (id: string, status: EgressStatus) => id === egressId && TERMINAL.has(status), 10 * 60_000, `${egressId} to end`).then(() => undefined);
  }

  private requireEgress(egressId: string): EmulatedEgress {
    const egress = this.egresses.get(egressId);
    if (!egress) throw new Error(`no egress ${egressId}`);
    return egress;
  }

  // ---------------------------------------------------------------- rooms and webhooks

  private roomJson(room: EmulatedRoom): Json {
    return roomJson(room, [...this.egresses.values()].some((e) => e.roomName === room.name && e.status === 'EGRESS_ACTIVE'));
  }

  private departParticipant(roomName: string, identity: string, event: string, reason: string): void {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    if (!room || !participant || participant.state === 'DISCONNECTED') return;
    participant.state = 'DISCONNECTED';
    participant.disconnectReason = reason;
    this.webhook(event, { room: this.roomJson(room), participant: participantJson(participant) });
  }

  private egressWebhook(event: string, egress: EmulatedEgress): void {
    this.webhook(event, { egressInfo: egressInfoJson(egress) }, egress);
  }

  private webhook(event: string, fields: { [key: string]: Json }, egress?: EmulatedEgress): void {
    this.sender.send(event, fields, egress ? { egressId: egress.egressId, egressStatus: egress.status } : {});
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private waitFor<A extends unknown[]>(name: 'webhook' | 'egress', match: (...args: A) => boolean, timeoutMs: number, what: string): Promise<A> {
    return new Promise((resolve, reject) => {
      const listener = (...args: unknown[]) => {
        if (!match(...(args as A))) return;
        clearTimeout(timer);
        this.events.off(name, listener);
        resolve(args as A);
      };
      const timer = setTimeout(() => {
        this.events.off(name, listener);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.events.on(name, listener);
    });
  }
}
