/**
 * How a participant's connection to the SFU held up over a class: samples of the SFU's own stats (packets and bytes
 * received from the participant, sent to them and reported lost by their browser, and the round trip), kept in the
 * class journal and summarised per person in attendance, so an instructor can tell "left" from "had a bad line".
 */

export interface TrafficDelta {
  packets: number;
  lost: number;
  bytes: number;
}

/** One sample: what changed over `seconds` since the participant's previous one. */
export interface QualitySample {
  type: 'quality';
  at: string;
  userId: string;
  seconds: number;
  /** Round trip between the SFU and the browser, from the browser's receiver reports; null before the first. */
  rttMs: number | null;
  /** From the participant (their camera and microphone). */
  up: TrafficDelta;
  /** To the participant (everyone else's media). */
  down: TrafficDelta;
}

export interface ConnectionQualitySummary {
  samples: number;
  medianRttMs: number | null;
  maxRttMs: number | null;
  /** Packets lost as a share of those expected, in percent; null when nothing flowed that way. */
  upLossPercent: number | null;
  downLossPercent: number | null;
  upKbps: number;
  downKbps: number;
}

/** The counters one sample is taken from (cumulative, as the SFU reports them). */
export interface TrafficCounters {
  upPackets: number;
  upLost: number;
  upBytes: number;
  downPackets: number;
  downLost: number;
  downBytes: number;
  rttSeconds: number | null;
}

/** The sample between two readings of a participant's counters (a new connection starts from zero). */
export function qualitySample(userId: string, at: string, seconds: number, now: TrafficCounters, before: TrafficCounters | null): QualitySample {
  const delta = (a: number, b: number | undefined) => Math.max(0, a - (b !== undefined && b <= a ? b : 0));
  return {
    type: 'quality', at, userId, seconds: Math.round(seconds * 1000) / 1000,
    rttMs: now.rttSeconds === null ? null : Math.round(now.rttSeconds * 1000),
    up: { packets: delta(now.upPackets, before?.upPackets), lost: delta(now.upLost, before?.upLost), bytes: delta(now.upBytes, before?.upBytes) },
    down: { packets: delta(now.downPackets, before?.downPackets), lost: delta(now.downLost, before?.downLost), bytes: delta(now.downBytes, before?.downBytes) },
  };
}

const lossPercent = (t: TrafficDelta): number | null => (t.packets + t.lost > 0 ? Math.round((t.lost / (t.packets + t.lost)) * 10_000) / 100 : null);
const sum = (samples: readonly QualitySample[], pick: (s: QualitySample) => TrafficDelta): TrafficDelta =>
  samples.reduce((acc, s) => ({ packets: acc.packets + pick(s).packets, lost: acc.lost + pick(s).lost, bytes: acc.bytes + pick(s).bytes }), { packets: 0, lost: 0, bytes: 0 });

export function summarizeQuality(samples: readonly QualitySample[]): ConnectionQualitySummary | null {
  if (samples.length === 0) return null;
  const rtts = samples.flatMap((s) => (s.rttMs === null ? [] : [s.rttMs])).sort((a, b) => a - b);
  const seconds = samples.reduce((acc, s) => acc + s.seconds, 0);
  const up = sum(samples, (s) => s.up);
  const down = sum(samples, (s) => s.down);
  const kbps = (bytes: number) => (seconds > 0 ? Math.round((bytes * 8) / seconds / 1000) : 0);
  return {
    samples: samples.length,
    medianRttMs: rtts.length ? rtts[Math.floor((rtts.length - 1) / 2)]! : null,
    maxRttMs: rtts.length ? rtts[rtts.length - 1]! : null,
    upLossPercent: lossPercent(up),
    downLossPercent: lossPercent(down),
    upKbps: kbps(up.bytes),
    downKbps: kbps(down.bytes),
  };
}
