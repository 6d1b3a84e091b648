import type { Logger } from 'pino';
import type { PeerConfig } from 'werift';
import type { SfuPeer, SfuRoom } from '../sfu';
import { WeriftPeer } from './peer';

export class WeriftRoom implements SfuRoom {
  closed = false;
  private readonly peers = new Map<string, WeriftPeer>();

  constructor(
    readonly id: string,
    private readonly config: Partial<PeerConfig>,
    private readonly log: Logger,
    private readonly onClosed: () => void,
  ) {}

  addPeer(peerId: string, options: { keepsPictures: boolean }): SfuPeer {
    if (this.closed) throw new Error(`room ${this.id} is closed`);
    const existing = this.peers.get(peerId);
    if (existing) void existing.close();
    const peer = new WeriftPeer(peerId, this.config, this.log, options.keepsPictures);
    this.peers.set(peerId, peer);
    peer.once('closed', () => {
      if (this.peers.get(peerId) === peer) this.peers.delete(peerId);
    });
    return peer;
  }

  getPeer(peerId: string): SfuPeer | undefined {
    return this.peers.get(peerId);
  }

  async removePeer(peerId: string): Promise<void> {
    const peer = this.peers.get(peerId);
    this.peers.delete(peerId);
    await peer?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.allSettled(peers.map((p) => p.close()));
    this.onClosed();
  }
}
