import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PeerConfig } from 'werift';
import type { PeerStats, PublishedTrack, SessionDescription, SfuPeer, SfuPeerEvents, TrackSource } from '../sfu';
import { PublishConnection } from './publish-connection';
import { SubscribeConnection } from './subscribe-connection';

/** One participant in the SFU: a publish connection the client offers and a subscribe connection the server offers. */
export class WeriftPeer extends EventEmitter<SfuPeerEvents> implements SfuPeer {
  closed = false;
  private readonly pub: PublishConnection;
  private readonly sub: SubscribeConnection;

  constructor(readonly id: string, config: Partial<PeerConfig>, logger: Logger, keepsPictures: boolean) {
    super();
    const log = logger.child({ peerId: id });
    this.pub = new PublishConnection(id, config, this, log, keepsPictures);
    this.sub = new SubscribeConnection(config, this, log);
  }

  publish(offer: SessionDescription, sources: Readonly<Record<string, TrackSource>>): Promise<SessionDescription> {
    return this.pub.publish(offer, sources);
  }

  setSources(sources: Readonly<Record<string, TrackSource | null>>): void {
    this.pub.setSources(sources);
  }

  publishedTracks(): PublishedTrack[] {
    return this.pub.publishedTracks();
  }

  subscribe(track: PublishedTrack): void {
    this.sub.subscribe(track);
  }

  unsubscribe(trackId: string): void {
    this.sub.unsubscribe(trackId);
  }

  renegotiate(options: { iceRestart?: boolean } = {}): void {
    this.sub.renegotiate(options);
  }

  acceptSubscriberAnswer(answer: SessionDescription): Promise<void> {
    return this.sub.acceptAnswer(answer);
  }

  async stats(): Promise<PeerStats> {
    const [publish, subscribe] = await Promise.all([this.pub.stats(), this.sub.stats()]);
    return { publish, subscribe };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sub.stop();
    this.pub.endTracks();
    await Promise.allSettled([this.pub.close(), this.sub.close()]);
    this.emit('closed');
    this.removeAllListeners();
  }
}
