import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { ServerMessage } from '../../contracts/live-signaling';

/** The instructor's grace period: how long a live class waits for them to come back, and telling everyone. */
export class HostGrace {
  private timer: NodeJS.Timeout | null = null;
  private until: string | null = null;

  constructor(
    private readonly graceSeconds: number,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly broadcast: (message: ServerMessage) => void,
  ) {}

  /** When the class ends unless the instructor is back; null while they are present. */
  get awayUntil(): string | null {
    return this.until;
  }

  get waiting(): boolean {
    return this.timer !== null;
  }

  /** Starts waiting; `expired` runs when the period is over. */
  start(expired: () => void): void {
    if (this.timer) return;
    const ms = this.graceSeconds * 1000;
    this.until = new Date(this.clock.now().getTime() + ms).toISOString();
    this.log.info({ graceSeconds: this.graceSeconds }, 'instructor left; waiting before ending the class');
    this.broadcast({ type: 'host-away', until: this.until });
    this.timer = setTimeout(() => {
      this.timer = null;
      expired();
    }, ms);
    this.timer.unref();
  }

  /** The instructor is back: the class goes on. */
  hostArrived(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.until = null;
    this.log.info('instructor is back; the class goes on');
    this.broadcast({ type: 'host-away', until: null });
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
