import type { SfuPeer } from '../../adapters/sfu/sfu';
import { type QualitySample, qualitySample, type TrafficCounters } from '../../domain/connection-quality';
import type { Participant } from './participant';

/**
 * Reads each connected participant's SFU stats and turns them into journal samples of what changed since the
 * previous reading. A new peer (a rejoin) starts its counters from zero, from the moment it joined.
 */
export class ConnectionSampler {
  private readonly last = new Map<string, { peer: SfuPeer; atMs: number; counters: TrafficCounters }>();

  async sample(participants: readonly Participant[], nowMs: number, defaultSeconds: number): Promise<QualitySample[]> {
    const samples: QualitySample[] = [];
    for (const p of participants) {
      const peer = p.peer;
      if (!peer || peer.closed) continue;
      const stats = await peer.stats().catch(() => null);
      if (!stats) continue;
      const counters: TrafficCounters = {
        upPackets: stats.publish.packetsReceived, upLost: stats.publish.packetsLost, upBytes: stats.publish.bytesReceived,
        downPackets: stats.subscribe.packetsSent, downLost: stats.subscribe.packetsLostReported, downBytes: stats.subscribe.bytesSent,
        rttSeconds: stats.subscribe.roundTripSeconds,
      };
      const previous = this.last.get(p.id);
      const before = previous?.peer === peer ? previous : null;
      const sinceMs = before?.atMs ?? (p.joinedAt ? Date.parse(p.joinedAt) : nowMs - defaultSeconds * 1000);
      this.last.set(p.id, { peer, atMs: nowMs, counters });
      const seconds = Math.max(0.001, (nowMs - sinceMs) / 1000);
      samples.push(qualitySample(p.id, new Date(nowMs).toISOString(), seconds, counters, before?.counters ?? null));
    }
    // Readings of those who left go: a rejoin is a new peer, counted from zero anyway.
    const present = new Set(participants.map((p) => p.id));
    for (const id of this.last.keys()) if (!present.has(id)) this.last.delete(id);
    return samples;
  }
}
