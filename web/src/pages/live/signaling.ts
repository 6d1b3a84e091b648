import type { ClientCommand, ServerMessage } from '../../../../src/contracts/live-signaling';
import { CLOSE_CODES } from '../../../../src/domain/live-close-codes';
import { getToken } from '../../api';
import type { FarewellKind } from './farewell';
import { type RoomState } from './state';
import { errorMessage } from '../../format';
import type { LiveView } from './view';

export type ConnectionPhase = 'connecting' | 'joined' | 'waiting' | 'reconnecting' | 'stopped';

/** What the signaling socket asks of the rest of the page. */
export interface SignalingHooks {
  onMessage(msg: ServerMessage): Promise<void>;
  /** Closes both peer connections and clears the stage; a new socket brings new ones. */
  teardownMedia(): void;
  /** Leaves the room for good with a last word, and the page that replaces the room when there is one. */
  stopEverything(text: string, kind?: 'info' | 'error', farewell?: FarewellKind): void;
}

/** The signaling WebSocket: joining, the server's refusals and farewells, and rejoining by itself. */
export class Signaling {
  socket: WebSocket | null = null;
  phase: ConnectionPhase = 'connecting';
  reconnects = 0;
  private retryTimer: number | null = null;
  /** The last refusal or farewell the server sent, shown when it closes the socket. */
  private lastNotice: string | null = null;

  constructor(
    private readonly liveClassId: string,
    private readonly state: RoomState,
    private readonly view: LiveView,
    private readonly hooks: SignalingHooks,
  ) {}

  send(msg: ClientCommand): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(msg));
  }

  connect(): void {
    if (this.state.stopped) return;
    const token = getToken();
    if (!token) {
      this.hooks.stopEverything('Sign in to join this class.', 'error');
      return;
    }
    this.phase = 'connecting';
    this.lastNotice = null;
    this.view.connState.textContent = 'Connecting…';
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}/api/v1/live-classes/${encodeURIComponent(this.liveClassId)}/signal?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.addEventListener('message', (ev) => {
      if (this.socket !== socket) return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'error' || msg.type === 'ended' || msg.type === 'removed') this.lastNotice = msg.type === 'ended' ? msg.reason : msg.message;
      void this.hooks.onMessage(msg).catch((err: unknown) => this.view.say(errorMessage(err), 'error'));
    });
    socket.addEventListener('close', (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.hooks.teardownMedia();
      this.onClosed(ev);
    });
  }

  private onClosed(ev: CloseEvent): void {
    const { lastNotice } = this;
    switch (ev.code) {
      case CLOSE_CODES.notStarted:
        this.phase = 'waiting';
        this.view.connState.textContent = '';
        this.view.say(lastNotice ?? 'The class has not started yet; this page joins when it starts.');
        this.scheduleReconnect(3000);
        return;
      case CLOSE_CODES.forbidden:
      case CLOSE_CODES.notFound:
      case CLOSE_CODES.unauthenticated:
        this.hooks.stopEverything(lastNotice ?? 'You cannot join this class.', 'error');
        return;
      case CLOSE_CODES.removed:
        this.hooks.stopEverything(lastNotice ?? 'The instructor removed you from this class.', 'error', 'removed');
        return;
      case CLOSE_CODES.replaced:
        this.hooks.stopEverything('You joined this class from another window; this one has left.');
        return;
      case CLOSE_CODES.ended:
      case CLOSE_CODES.classOver:
        this.state.status = 'ended';
        this.hooks.stopEverything(`${lastNotice ?? ev.reason ?? 'The class has ended.'}`, 'info', 'ended');
        return;
      default:
        this.reconnects++;
        this.scheduleReconnect(Math.min(5000, 500 * this.reconnects));
    }
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.state.stopped || this.retryTimer !== null) return;
    this.phase = 'reconnecting';
    this.view.connState.textContent = 'Reconnecting…';
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delayMs);
  }

  /** Media that stops flowing rejoins with fresh connections, without reloading the page. */
  rejoin(reason: string): void {
    if (this.state.stopped || this.phase === 'reconnecting') return;
    this.reconnects++;
    this.view.connState.textContent = `Reconnecting (${reason})…`;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'rejoining');
    this.hooks.teardownMedia();
    this.scheduleReconnect(300);
  }

  /** Stops reconnecting: the page has left the room. */
  halt(): void {
    this.state.stopped = true;
    this.phase = 'stopped';
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Leaves on the participant's word: the room hears the socket close and takes them off the roster. */
  leaveRoom(): void {
    this.halt();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'left the class');
  }

  /** Comes back after leaving. */
  resume(): void {
    this.state.stopped = false;
    this.reconnects = 0;
    this.connect();
  }

  /** The page is closing: say goodbye to the room. */
  leave(): void {
    this.state.stopped = true;
    this.socket?.close(1000, 'page closed');
  }
}
