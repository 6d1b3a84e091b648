import { createRequire } from 'node:module';
import type { FastifyBaseLogger } from 'fastify';
import { CLOSE_CODES } from '../../../domain/live-close-codes';
import { ROOM_GRANT_HEADER } from './grants';


/** The part of a `ws` client socket the relay uses. */
interface PeerSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'open', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): void;
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode?: number; resume(): void }) => void): void;
}
type PeerSocketClass = new (url: string, options: { headers: Record<string, string>; maxPayload: number; handshakeTimeout: number }) => PeerSocket;

// `ws` is the WebSocket implementation the signaling route is served with; its client reaches the host process.
const PeerWebSocket = createRequire(import.meta.url)('ws') as PeerSocketClass;

/** The client side of the participant's own socket, as the relay needs it. */
export interface RelayedClient {
  send(text: string): void;
  close(code: number, reason: string): void;
}

const CONNECTING = 0;
const OPEN = 1;
/** Messages kept while the connection to the host is being made. */
const MAX_PENDING = 50;
const HANDSHAKE_MS = 5_000;
/** Errors that mean nothing listens at the host's address any more: the process is gone. */
const GONE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);
/** Close codes a socket may not send on (they only describe an abnormal end). */
const RESERVED = new Set([1004, 1005, 1006, 1015]);

/**
 * A participant's signaling carried to the process that hosts the room: frames both ways, unchanged, and the
 * host's close (its code and reason) passed on, so the page behaves exactly as if connected to the host.
 */
export class HostRelay {
  private readonly peer: PeerSocket;
  private clientGone = false;
  private readonly pending: string[] = [];
  /** 'open' once connected; 'gone' when the host does not listen any more; 'failed' for any other refusal. */
  readonly opened: Promise<'open' | 'gone' | 'failed'>;

  constructor(
    hostUrl: string,
    liveClassId: string,
    grant: string,
    maxPayload: number,
    private readonly client: RelayedClient,
    private readonly log: FastifyBaseLogger,
  ) {
    const url = `${hostUrl.replace(/^http/, 'ws')}/api/v1/live-classes/${encodeURIComponent(liveClassId)}/signal`;
    this.peer = new PeerWebSocket(url, { headers: { [ROOM_GRANT_HEADER]: grant }, maxPayload, handshakeTimeout: HANDSHAKE_MS });
    let settled = false;
    let connected = false;
    this.opened = new Promise((resolve) => {
      this.peer.on('open', () => {
        settled = true;
        connected = true;
        for (const text of this.pending.splice(0)) this.peer.send(text);
        resolve('open');
      });
      this.peer.on('unexpected-response', (_req, res) => {
        res.resume();
        settled = true;
        log.warn({ host: hostUrl, status: res.statusCode }, 'the host of this room refused the forwarded signaling');
        this.peer.terminate();
        resolve('failed');
      });
      this.peer.on('error', (err) => {
        if (settled) return log.debug({ err }, 'forwarded signaling socket error');
        settled = true;
        resolve(err.code && GONE.has(err.code) ? 'gone' : 'failed');
      });
    });
    this.peer.on('message', (data) => this.client.send(data.toString('utf8')));
    this.peer.on('close', (code, reason) => {
      // A connection that never opened is reported through `opened`; the participant's socket stays for a retry.
      if (!connected || this.clientGone) return;
      const text = reason.toString('utf8') || 'The connection to the class was lost; this page reconnects by itself';
      this.client.close(RESERVED.has(code) ? CLOSE_CODES.serverClosing : code, text.slice(0, 120));
    });
  }

  /** A participant's message, as it came (kept until the connection to the host is open). */
  forward(text: string): void {
    if (this.peer.readyState === OPEN) this.peer.send(text);
    else if (this.peer.readyState === CONNECTING && this.pending.length < MAX_PENDING) this.pending.push(text);
  }

  /** Messages that never reached the host (its connection did not open), for whoever handles the participant next. */
  unsent(): string[] {
    return this.pending.splice(0);
  }

  /** The participant left: the host sees its socket close as well. */
  clientClosed(): void {
    this.clientGone = true;
    if (this.peer.readyState === OPEN) this.peer.close(1000, 'left');
    else this.peer.terminate();
  }
}
