import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerMessage } from '../../../contracts/live-signaling';
import { DomainError } from '../../../domain/errors';
import { CLOSE_CODES } from '../../../domain/live-close-codes';
import type { Principal } from '../../../domain/identity';
import { type LiveRoomService, RoomHostedElsewhere, type RoomMember, RoomRefusal } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { ClientCommandSchema } from './commands-schema';
import { ROOM_GRANT_HEADER, type RoomGrants } from './grants';
import { HostRelay } from './host-relay';

/** The part of a `ws` socket this route uses. */
interface SignalSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'pong', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

export interface SignalingDeps {
  rooms: LiveRoomService;
  authenticate(bearer: string): Promise<Principal>;
  /** The grants with which processes forward a room's signaling and requests to its host. */
  grants: RoomGrants;
}

const OPEN = 1;
const MAX_MESSAGE_BYTES = 256 * 1024;
const HEARTBEAT_MS = 15_000;
/** Messages kept while admission is still under way. */
const MAX_EARLY_MESSAGES = 50;

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export function registerSignalingRoute(app: HttpApp, deps: SignalingDeps): void {
  // The websocket plugin lives in this scope only, so it handles upgrades for the signaling route alone.
  app.register(async (plain) => {
    // The rooms close their sockets before the server closes; the plugin's own pre-close step is not needed
    // (and, finishing twice, it kept the server from closing its idle keep-alive connections).
    await plain.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES }, preClose: async () => undefined });
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.get('/api/v1/live-classes/:id/signal', { websocket: true, schema: { hide: true } }, (socket: SignalSocket, req) => {
      new SignalingSession(socket, req, deps).start();
    });
  });
}

/**
 * One signaling socket: heartbeat, admission into the room, then the participant's commands in order; or, when
 * another process hosts the room, the socket relayed to it.
 */
class SignalingSession {
  private readonly log: FastifyBaseLogger;
  // Messages that arrive before admission finishes are kept, not lost.
  private readonly early: string[] = [];
  private member: RoomMember | null = null;
  private relay: HostRelay | null = null;
  private gone = false;
  private alive = true;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: SignalSocket,
    private readonly req: FastifyRequest,
    private readonly deps: SignalingDeps,
  ) {
    this.log = req.log.child({ room: (req.params as { id?: string }).id });
  }

  start(): void {
    const { socket } = this;
    const heartbeat = setInterval(() => {
      if (!this.alive) {
        socket.terminate();
        return;
      }
      this.alive = false;
      socket.ping();
    }, HEARTBEAT_MS);
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('error', (err) => this.log.debug({ err }, 'signaling socket error'));
    socket.on('close', () => {
      this.gone = true;
      clearInterval(heartbeat);
      this.member?.leave();
      this.relay?.clientClosed();
    });
    socket.on('message', (data) => {
      const text = toText(data);
      this.alive = true;
      if (this.member) this.dispatch(text);
      else if (this.relay) this.relay.forward(text);
      else if (this.early.length < MAX_EARLY_MESSAGES) this.early.push(text);
    });
    void this.admit();
  }

  private readonly send = (message: ServerMessage): void => {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  };

  private refuse(code: string, closeCode: number, message: string): void {
    this.send({ type: 'error', code, message });
    this.socket.close(closeCode, message.slice(0, 120));
  }

  private dispatch(text: string): void {
    this.alive = true;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.send({ type: 'error', code: 'malformed_json', message: 'Messages must be JSON' });
      return;
    }
    const parsed = ClientCommandSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.send({ type: 'error', code: 'validation_failed', message: `Invalid message${issue ? ` at ${issue.path.join('.') || 'root'}: ${issue.message}` : ''}` });
      return;
    }
    const current = this.member;
    if (!current) return;
    // One command at a time per participant: an answer never overtakes the offer it answers.
    this.chain = this.chain
      .then(() => current.handle(parsed.data))
      .catch((err: unknown) => {
        this.log.error({ err, command: parsed.data.type }, 'live room command failed');
        this.send({ type: 'error', code: 'internal', message: 'Something went wrong on our side; the error has been logged' });
      });
  }

  /** Who is connecting: a signed-in user (`?token=`), or one another process forwards here with a grant. */
  private async identify(id: string): Promise<{ principal: Principal; forwarded: boolean } | null> {
    const grant = this.req.headers[ROOM_GRANT_HEADER];
    if (grant !== undefined) {
      const check = this.deps.grants.check(grant, id);
      if (!check.ok) {
        this.log.warn({ reason: check.reason }, 'refused a forwarded signaling socket');
        this.refuse('unauthenticated', CLOSE_CODES.unauthenticated, 'This forwarded connection carries no valid grant');
        return null;
      }
      return { principal: check.principal, forwarded: true };
    }
    const query = this.req.query as { token?: unknown };
    const token = typeof query.token === 'string' ? query.token : '';
    if (!token) {
      this.refuse('unauthenticated', CLOSE_CODES.unauthenticated, 'Sign in first: the page passes your token as ?token=');
      return null;
    }
    try {
      return { principal: await this.deps.authenticate(token), forwarded: false };
    } catch (err) {
      this.refuse('unauthenticated', CLOSE_CODES.unauthenticated, err instanceof DomainError ? err.message : 'Your sign-in is not valid');
      return null;
    }
  }

  private async admit(): Promise<void> {
    const id = String((this.req.params as { id?: unknown }).id ?? '');
    const who = await this.identify(id);
    if (!who) return;
    // A second try only after the host was found gone and its claim dropped: then this process takes the class.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const admission = await this.deps.rooms.admit(who.principal, id);
        if (this.gone) return;
        this.member = admission.room.join(admission, {
          send: this.send,
          close: (code, reason) => this.socket.close(code, reason),
        });
        for (const text of this.early.splice(0)) this.dispatch(text);
        return;
      } catch (err) {
        if (err instanceof RoomRefusal) return this.refuse(err.code, err.closeCode, err.message);
        if (!(err instanceof RoomHostedElsewhere)) {
          this.log.error({ err }, 'could not admit a participant');
          return this.refuse('internal', 1011, 'Something went wrong on our side; the error has been logged');
        }
        // Forwarded once already: the claim moved meanwhile, and the page's reconnect finds the new host.
        if (who.forwarded || attempt > 0) return this.refuse('moved', CLOSE_CODES.serverClosing, 'This class moved to another Aula server; this page reconnects by itself');
        if ((await this.relayTo(err.host, id, who.principal)) !== 'gone') return;
        await this.deps.rooms.evictHost(id, err.host);
      }
    }
  }

  /** Carries this socket to the process hosting the room; 'gone' when that process no longer listens. */
  private async relayTo(host: string, liveClassId: string, principal: Principal): Promise<'open' | 'gone' | 'failed'> {
    if (this.gone) return 'failed';
    const grant = this.deps.grants.issue(liveClassId, host, principal);
    const relay = new HostRelay(host, liveClassId, grant, MAX_MESSAGE_BYTES, { send: (text) => this.socket.readyState === OPEN && this.socket.send(text), close: (code, reason) => this.socket.close(code, reason) }, this.log);
    // What arrived during admission goes first; later messages follow it through the relay.
    for (const text of this.early.splice(0)) relay.forward(text);
    this.relay = relay;
    const outcome = await relay.opened;
    if (outcome === 'open') {
      if (this.gone) relay.clientClosed();
      return outcome;
    }
    this.relay = null;
    this.early.unshift(...relay.unsent());
    if (outcome === 'failed') this.refuse('host_unavailable', CLOSE_CODES.serverClosing, 'The server hosting this class is busy; this page reconnects by itself');
    return outcome;
  }
}
