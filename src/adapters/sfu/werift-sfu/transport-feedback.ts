import { PacketStatus, RecvDelta, RtcpHeader, RtcpTransportLayerFeedback, RunLengthChunk, type RTCRtpReceiver, TransportWideCC } from 'werift';

/** How often arrivals are reported: libwebrtc's receivers report every 50–100 ms. */
const FEEDBACK_INTERVAL_MS = 50;
/** Bytes of chunks and deltas in one feedback, so it fits one packet. */
const MAX_FEEDBACK_BYTES = 1_000;
const FIXED_BYTES = 16;
const DELTA_UNIT_US = 250;
const REFERENCE_UNIT_US = 64_000;

type ReportedStatus = PacketStatus.TypeTCCPacketNotReceived | PacketStatus.TypeTCCPacketReceivedSmallDelta | PacketStatus.TypeTCCPacketReceivedLargeDelta;

interface Sender {
  sendRtcp(packets: RtcpTransportLayerFeedback[]): Promise<unknown>;
}

/** One report: the sequence numbers it covers, each with its arrival in 250 µs units or null when missing. */
export interface FeedbackReport {
  baseSequence: number;
  referenceTime: number;
  statuses: ReportedStatus[];
  deltas: number[];
  /** The first sequence number the next report starts at. */
  next: number;
}

/**
 * Builds one report from arrivals (unwrapped sequence number → µs) starting at `base`, as many packets as fit
 * one RTCP packet. Deltas are kept on the 250 µs grid from the reference time, so rounding never accumulates.
 */
export function buildReport(arrivals: ReadonlyMap<number, number>, base: number, last: number): FeedbackReport | null {
  let firstArrival: number | undefined;
  for (let seq = base; seq <= last && firstArrival === undefined; seq++) firstArrival = arrivals.get(seq);
  if (firstArrival === undefined) return null;
  const referenceTime = Math.floor(firstArrival / REFERENCE_UNIT_US);
  let clockUnits = (referenceTime * REFERENCE_UNIT_US) / DELTA_UNIT_US;
  const statuses: ReportedStatus[] = [];
  const deltas: number[] = [];
  let bytes = 0;
  let seq = base;
  for (; seq <= last && statuses.length < 0xffff; seq++) {
    const at = arrivals.get(seq);
    let status: ReportedStatus = PacketStatus.TypeTCCPacketNotReceived;
    let delta = 0;
    if (at !== undefined) {
      delta = Math.max(-0x8000, Math.min(0x7fff, Math.round(at / DELTA_UNIT_US - clockUnits)));
      status = delta >= 0 && delta <= 0xff ? PacketStatus.TypeTCCPacketReceivedSmallDelta : PacketStatus.TypeTCCPacketReceivedLargeDelta;
    }
    const newRun = statuses.length === 0 || statuses[statuses.length - 1] !== status;
    const cost = (newRun ? 2 : 0) + (status === PacketStatus.TypeTCCPacketReceivedSmallDelta ? 1 : status === PacketStatus.TypeTCCPacketReceivedLargeDelta ? 2 : 0);
    if (bytes + cost > MAX_FEEDBACK_BYTES) break;
    bytes += cost;
    statuses.push(status);
    if (at !== undefined) {
      deltas.push(delta);
      clockUnits += delta;
    }
  }
  return { baseSequence: base & 0xffff, referenceTime, statuses, deltas, next: seq };
}

/** The RTCP packet of a report: run-length chunks (8191 statuses at most each) and the deltas. */
export function feedbackPacket(report: FeedbackReport, senderSsrc: number, mediaSsrc: number, count: number): RtcpTransportLayerFeedback {
  const chunks: RunLengthChunk[] = [];
  for (let i = 0; i < report.statuses.length; ) {
    const status = report.statuses[i]!;
    let n = 1;
    while (i + n < report.statuses.length && report.statuses[i + n] === status && n < 0x1fff) n++;
    chunks.push(new RunLengthChunk({ packetStatus: status, runLength: n }));
    i += n;
  }
  let deltaIndex = 0;
  const recvDeltas: RecvDelta[] = [];
  for (const status of report.statuses) {
    if (status === PacketStatus.TypeTCCPacketNotReceived) continue;
    recvDeltas.push(new RecvDelta({ type: status, delta: report.deltas[deltaIndex++]! * DELTA_UNIT_US }));
  }
  const size = FIXED_BYTES + chunks.length * 2 + recvDeltas.reduce((sum, d) => sum + (d.type === PacketStatus.TypeTCCPacketReceivedSmallDelta ? 1 : 2), 0);
  const feedback = new TransportWideCC({
    // The padding bit only when padding is needed: werift sets it on the header as given.
    header: new RtcpHeader({ type: 205, count: TransportWideCC.count, version: 2, padding: size % 4 !== 0 }),
    senderSsrc,
    mediaSourceSsrc: mediaSsrc,
    baseSequenceNumber: report.baseSequence,
    packetStatusCount: report.statuses.length,
    referenceTime: report.referenceTime & 0xffffff,
    fbPktCount: count & 0xff,
    packetChunks: chunks,
    recvDeltas,
  });
  return new RtcpTransportLayerFeedback({ feedback });
}

/**
 * Transport-wide congestion control feedback for a whole publish connection. Every stream of a bundle shares one
 * transport-wide sequence; werift reports it per stream, so each report calls the other streams' packets lost or
 * garbles them, and Chromium's estimate falls to its floor. This reports every packet of the connection (media,
 * retransmissions, padding) in order, every 50 ms, as libwebrtc's receivers do.
 */
export class TransportFeedback {
  private readonly arrivals = new Map<number, number>();
  private highest: number | null = null;
  private nextToReport: number | null = null;
  private count = 0;
  private readonly timer: NodeJS.Timeout;
  /** The stream the reports name as their media source: the first one attached (the reports cover them all). */
  private mediaSsrc: number | undefined;

  constructor(
    private readonly transport: () => Sender | undefined,
    private readonly senderSsrc: number,
    private readonly now: () => number = () => performance.now() * 1000,
  ) {
    this.timer = setInterval(() => this.flush(), FEEDBACK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Makes the receiver report to this connection-wide feedback in place of its own per-stream one. */
  attach(receiver: RTCRtpReceiver, mediaSsrc: number | undefined): void {
    this.mediaSsrc ??= mediaSsrc;
    const sink = { twccRunning: false, handleTWCC: (sequence: number) => this.record(sequence) };
    // werift's receiver hands each packet's transport-wide sequence number to `receiverTWCC.handleTWCC`.
    (receiver as unknown as { receiverTWCC?: typeof sink }).receiverTWCC = sink;
  }

  record(sequence: number | undefined): void {
    if (typeof sequence !== 'number') return;
    let unwrapped = sequence;
    if (this.highest !== null) {
      const step = ((sequence - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      unwrapped = this.highest + step;
    }
    // A packet already reported missing stays so: a late arrival changes nothing the sender can still use.
    if (this.nextToReport !== null && unwrapped < this.nextToReport) return;
    if (this.highest === null || unwrapped > this.highest) this.highest = unwrapped;
    if (!this.arrivals.has(unwrapped)) this.arrivals.set(unwrapped, this.now());
  }

  flush(): void {
    const transport = this.transport();
    const { mediaSsrc } = this;
    if (this.highest === null || !transport || mediaSsrc === undefined || this.arrivals.size === 0) return;
    let base = this.nextToReport ?? Math.min(...this.arrivals.keys());
    const packets: RtcpTransportLayerFeedback[] = [];
    while (base <= this.highest) {
      const report = buildReport(this.arrivals, base, this.highest);
      if (!report) break;
      packets.push(feedbackPacket(report, this.senderSsrc, mediaSsrc, this.count++));
      for (let seq = base; seq < report.next; seq++) this.arrivals.delete(seq);
      base = report.next;
    }
    this.nextToReport = base;
    for (const packet of packets) void transport.sendRtcp([packet]).catch(() => undefined);
  }

  close(): void {
    clearInterval(this.timer);
    this.arrivals.clear();
  }
}
