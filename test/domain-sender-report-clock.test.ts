import { describe, expect, it } from 'vitest';
import { ntpToEpochMs, SenderReportClock } from '../src/domain/media/sender-report-clock';

/** An NTP timestamp (RFC 3550: seconds since 1900 in the high 32 bits, the fraction in the low ones) of a Unix time. */
const ntpOf = (epochMs: number) => {
  const seconds = BigInt(Math.floor(epochMs / 1000)) + 2_208_988_800n;
  const fraction = BigInt(Math.round(((epochMs % 1000) / 1000) * 2 ** 32));
  return (seconds << 32n) | fraction;
};

describe("a stream's sender clock", () => {
  it('reads an NTP timestamp as milliseconds since the Unix epoch, fraction included', () => {
    expect(ntpToEpochMs(ntpOf(1_764_000_000_250))).toBeCloseTo(1_764_000_000_250, 3);
    expect(ntpToEpochMs(2_208_988_800n << 32n)).toBe(0);
  });

  it('knows no time before the first sender report', () => {
    expect(new SenderReportClock(48_000).timeOf(1234)).toBeNull();
  });

  it("places an RTP timestamp on the sender's wall clock at the stream's clock rate, before and after the report", () => {
    const clock = new SenderReportClock(90_000);
    clock.update(ntpOf(1_764_000_000_000), 900_000);
    expect(clock.timeOf(900_000)).toBeCloseTo(1_764_000_000_000, 3);
    expect(clock.timeOf(903_000)).toBeCloseTo(1_764_000_000_033.333, 2);
    expect(clock.timeOf(897_000)).toBeCloseTo(1_763_999_999_966.667, 2);
  });

  it('follows RTP timestamps across the 32-bit wrap in both directions', () => {
    const clock = new SenderReportClock(48_000);
    clock.update(ntpOf(1_764_000_000_000), 0xffff_ff00);
    expect(clock.timeOf(0x0000_0100)).toBeCloseTo(1_764_000_000_000 + (512 * 1000) / 48_000, 3);
    clock.update(ntpOf(1_764_000_001_000), 0x0000_0100);
    expect(clock.timeOf(0xffff_ff00)).toBeCloseTo(1_764_000_001_000 - (512 * 1000) / 48_000, 3);
  });

  it('takes the latest report: a sender whose sample clock runs slow or fast is followed', () => {
    const clock = new SenderReportClock(48_000);
    clock.update(ntpOf(1_764_000_000_000), 0);
    clock.update(ntpOf(1_764_000_005_000), 239_760);
    // 5 s of wall clock held 239,760 samples, not 240,000: what comes next is placed from the newer report.
    expect(clock.timeOf(239_760 + 48_000)).toBeCloseTo(1_764_000_006_000, 3);
  });
});
