/**
 * A recording's clock: milliseconds of recording since its capture began. It stands still while the recording is
 * paused, so the paused part is left out of the recording and media goes on at the next timestamp on resume.
 */
export class RecordingClock {
  private pausedMs = 0;
  private pausedSince: number | null = null;

  constructor(private readonly t0: number) {}

  get paused(): boolean {
    return this.pausedSince !== null;
  }

  /** The recording time of a wall-clock instant (ms since the epoch); any instant of a pause is the pause's own. */
  at(wallMs: number): number {
    const wall = this.pausedSince === null ? wallMs : Math.min(wallMs, this.pausedSince);
    return wall - this.t0 - this.pausedMs;
  }

  pause(wallMs: number): void {
    this.pausedSince ??= wallMs;
  }

  resume(wallMs: number): void {
    if (this.pausedSince === null) return;
    this.pausedMs += Math.max(0, wallMs - this.pausedSince);
    this.pausedSince = null;
  }
}
