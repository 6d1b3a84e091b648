import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServerMessage } from '../../../contracts/live-signaling';
import { DomainError } from '../../../domain/errors';
import { CLOSE_CODES } from '../../../domain/live-close-codes';
import type { Principal } from '../../../domain/identity';
import { type LiveRoomService, type RoomMember, RoomRefusal } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { ClientCommandSchema } from './commands-schema';

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

interface SignalingDeps {
  rooms: LiveRoomService;
  authenticate(bearer: string): Promise<Principal>;
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

/** One signaling socket: heartbeat, admission into the room, then the participant's commands in order. */
class SignalingSession {
  private readonly log: FastifyBaseLogger;
  // Messages that arrive before admission finishes are kept, not lost.
  private readonly early: string[] = [];
  private member: RoomMember | null = null;
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
    });
    socket.on('message', (data) => {
      const text = toText(data);
      if (this.member) this.dispatch(text);
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

  private async admit(): Promise<void> {
    const query = this.req.query as { token?: unknown };
    const token = typeof query.token === 'string' ? query.token : '';
    const id = String((this.req.params as { id?: unknown }).id ?? '');
    if (!token) return this.refuse('unauthenticated', CLOSE_CODES.unauthenticated, 'Sign in first: the page passes your token as ?token=');
    let principal: Principal;
    try {
      principal = await this.deps.authenticate(token);
    } catch (err) {
      return this.refuse('unauthenticated', CLOSE_CODES.unauthenticated, err instanceof DomainError ? err.message : 'Your sign-in is not valid');
    }
    try {
      const admission = await this.deps.rooms.admit(principal, id);
      if (this.gone) return;
      this.member = admission.room.join(admission, {
        send: this.send,
        close: (code, reason) => this.socket.close(code, reason),
      });
      for (const text of this.early.splice(0)) this.dispatch(text);
    } catch (err) {
      if (err instanceof RoomRefusal) return this.refuse(err.code, err.closeCode, err.message);
      this.log.error({ err }, 'could not admit a participant');
      return this.refuse('internal', 1011, 'Something went wrong on our side; the error has been logged');
    }
  }
}
