/**
 * A stream's sender clock: its RTCP sender reports pair an RTP timestamp with the sender's wall clock (NTP), and
 * every stream of one sender reports on the same wall clock. Times on that clock are what keep a publisher's voice
 * and pictures in sync, whatever each took to encode and cross the network; they also follow an audio device whose
 * sample clock runs a little fast or slow, which RTP timestamps alone would let drift.
 */

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800n;

/** A sender report's 64-bit NTP timestamp (seconds and a 32-bit fraction) as milliseconds since the Unix epoch. */
export function ntpToEpochMs(ntp: bigint): number {
  const seconds = (ntp >> 32n) - NTP_UNIX_OFFSET_S;
  const fraction = Number(ntp & 0xffff_ffffn) / 2 ** 32;
  return Number(seconds) * 1000 + fraction * 1000;
}

export class SenderReportClock {
  private report: { wallMs: number; rtpTimestamp: number } | null = null;

  constructor(private readonly clockRate: number) {}

  /** Takes the latest sender report of the stream. */
  update(ntpTimestamp: bigint, rtpTimestamp: number): void {
    this.report = { wallMs: ntpToEpochMs(ntpTimestamp), rtpTimestamp: rtpTimestamp >>> 0 };
  }

  /** The sender's wall-clock time (ms since the epoch) of a 32-bit RTP timestamp; null before the first report. */
  timeOf(rtpTimestamp: number): number | null {
    if (!this.report) return null;
    // The signed 32-bit difference: a timestamp just before the report's, or across the wrap, stays near it.
    const ticks = ((rtpTimestamp >>> 0) - this.report.rtpTimestamp) | 0;
    return this.report.wallMs + (ticks * 1000) / this.clockRate;
  }
}
