/**
 * Notices subscribed media that never starts: a renegotiated connection that does not connect again (when every
 * track it carried was replaced at once — the instructor reloaded — its transport can be left unconnected), or a
 * video track signaled and negotiated on which no packet has arrived a few seconds later. The page then rejoins,
 * which builds fresh connections; a track that did flow and went quiet (a static slide) is left alone.
 */
export class MediaWatch {
  private readonly firstSeen = new Map<string, number>();
  /** Tracks seen flowing once: not checked again (they may go quiet, as a static slide does). */
  private readonly started = new Set<string>();
  private lastRejoin = 0;
  private unconnectedSince = 0;

  constructor(
    /** A renegotiation on a working transport connects at once; one left unconnected this long will not. */
    private readonly unconnectedGraceMs = 2_500,
    /** How long a negotiated video track may stay without a packet. */
    private readonly graceMs = 4_000,
    private readonly rejoinEveryMs = 10_000,
  ) {}

  /** True when the page should rejoin now. */
  async check(pc: RTCPeerConnection | null, now = Date.now()): Promise<boolean> {
    if (!pc) return false;
    if (pc.connectionState !== 'connected') {
      const waiting = (pc.connectionState === 'new' || pc.connectionState === 'connecting') && pc.getTransceivers().some((t) => t.mid !== null);
      this.unconnectedSince = waiting ? this.unconnectedSince || now : 0;
      return waiting && now - this.unconnectedSince > this.unconnectedGraceMs && this.rejoinAllowed(now);
    }
    this.unconnectedSince = 0;
    const videoMids = pc.getTransceivers().filter((t) => t.mid !== null && t.receiver.track.kind === 'video' && t.currentDirection !== 'inactive' && t.currentDirection !== 'stopped').map((t) => t.mid!);
    for (const mid of [...this.firstSeen.keys()]) if (!videoMids.includes(mid)) this.firstSeen.delete(mid);
    for (const mid of [...this.started]) if (!videoMids.includes(mid)) this.started.delete(mid);
    const waiting = videoMids.filter((mid) => {
      if (this.started.has(mid)) return false;
      if (!this.firstSeen.has(mid)) this.firstSeen.set(mid, now);
      return now - this.firstSeen.get(mid)! > this.graceMs;
    });
    if (waiting.length === 0 || now - this.lastRejoin < this.rejoinEveryMs) return false;
    const flowing = new Set<string>();
    (await pc.getStats()).forEach((r: { type: string; kind?: string; mid?: string; packetsReceived?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video' && r.mid && (r.packetsReceived ?? 0) > 0) flowing.add(r.mid);
    });
    for (const mid of flowing) this.started.add(mid);
    if (waiting.every((mid) => flowing.has(mid))) return false;
    return this.rejoinAllowed(now);
  }

  private rejoinAllowed(now: number): boolean {
    if (now - this.lastRejoin < this.rejoinEveryMs) return false;
    this.lastRejoin = now;
    this.firstSeen.clear();
    this.started.clear();
    this.unconnectedSince = 0;
    return true;
  }
}
