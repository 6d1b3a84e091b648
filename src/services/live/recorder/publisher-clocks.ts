/**
 * Where each publisher's sender clock falls on the recording's. Every track of one publisher is stamped through one
 * offset, so its voice and pictures keep the sync they were captured with, however long each took to encode and
 * arrive. The offset is the first such frame's arrival; it is taken again when a frame would land further than
 * REANCHOR_MS from its arrival (a sender clock that jumped).
 */
const REANCHOR_MS = 1_000;

export class PublisherClocks {
  private readonly offsets = new Map<string, number>();

  /** The recording time (ms) of a frame captured at `senderTimeMs` on `peerId`'s clock and arriving at `arrival`. */
  at(peerId: string, senderTimeMs: number, arrival: number): number {
    let offset = this.offsets.get(peerId);
    if (offset === undefined || Math.abs(senderTimeMs + offset - arrival) > REANCHOR_MS) {
      offset = arrival - senderTimeMs;
      this.offsets.set(peerId, offset);
    }
    return senderTimeMs + offset;
  }

  /** The recording's clock moved against the wall clock (a pause ended): every offset is taken again. */
  clear(): void {
    this.offsets.clear();
  }
}
