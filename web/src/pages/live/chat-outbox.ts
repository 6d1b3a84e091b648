import type { ChatMessage, ClientCommand } from '../../../../src/contracts/live-signaling';

/** How long a sent message waits for the room's confirmation before it is sent again (the room keeps it once). */
const RESEND_AFTER_MS = 3000;

interface PendingChat {
  text: string;
  sentAt: number;
}

/** What the outbox shows: a message on its way, and the same message once the room has it. */
export interface ChatOutboxView {
  addPendingChat(clientId: string, text: string): void;
}

/**
 * Chat typed in this page that the room has not confirmed yet. A lost connection can swallow a message the socket
 * took, so each one is kept until the room echoes it back, resent on every rejoin and while unconfirmed; the room
 * recognises a resend by its id and keeps each message once.
 */
export class ChatOutbox {
  private readonly pending = new Map<string, PendingChat>();
  private readonly timer: number;

  constructor(
    private readonly send: (command: ClientCommand) => void,
    private readonly view: ChatOutboxView,
    private readonly connected: () => boolean,
  ) {
    this.timer = window.setInterval(() => this.resend(Date.now() - RESEND_AFTER_MS), 1000);
  }

  get waiting(): number {
    return this.pending.size;
  }

  submit(text: string): void {
    const clientId = newClientId();
    this.pending.set(clientId, { text, sentAt: Date.now() });
    this.view.addPendingChat(clientId, text);
    this.send({ type: 'chat', text, clientId });
  }

  /** A message the room has: no longer waiting. */
  confirm(message: ChatMessage): void {
    if (message.clientId) this.pending.delete(message.clientId);
  }

  /** After a (re)join: what the room's history confirms is done; the rest is shown again and sent again. */
  rejoined(history: readonly ChatMessage[]): void {
    for (const m of history) this.confirm(m);
    for (const [clientId, p] of this.pending) this.view.addPendingChat(clientId, p.text);
    this.resend(Number.POSITIVE_INFINITY);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private resend(sentBefore: number): void {
    if (!this.connected()) return;
    for (const [clientId, p] of this.pending) {
      if (p.sentAt > sentBefore) continue;
      p.sentAt = Date.now();
      this.send({ type: 'chat', text: p.text, clientId });
    }
  }
}

/** Random, and available on plain http too (where crypto.randomUUID is not). */
function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
