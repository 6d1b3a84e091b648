import type { ClientCommand, SessionDescription, SignaledTrack } from '../../../../src/contracts/live-signaling';
import { gatherTimeoutMs, waitForIce } from './ice';
import type { RoomState } from './state';
import type { LiveView } from './view';

/** The subscribe side: the SFU offers everyone else's tracks; each becomes a tile on the stage (or hidden audio). */
export class Subscriber {
  pc: RTCPeerConnection | null = null;
  private readonly trackInfo = new Map<string, SignaledTrack>();
  private readonly tiles = new Map<string, HTMLElement>();

  constructor(
    private readonly state: RoomState,
    private readonly view: LiveView,
    private readonly send: (command: ClientCommand) => void,
  ) {}

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    const pc = new RTCPeerConnection({ iceServers: this.state.iceServers });
    pc.addEventListener('track', (e) => {
      const mid = e.transceiver.mid;
      if (!mid) return;
      this.attach(mid, e.track, this.trackInfo.get(mid));
    });
    this.pc = pc;
    return pc;
  }

  private attach(mid: string, track: MediaStreamTrack, info: SignaledTrack | undefined): void {
    this.tiles.get(mid)?.remove();
    this.tiles.set(mid, this.view.remoteTile(mid, track, info));
  }

  async acceptOffer(description: SessionDescription, tracks: SignaledTrack[]): Promise<void> {
    const pc = this.connection();
    const wanted = new Set(tracks.map((t) => t.mid));
    for (const t of tracks) this.trackInfo.set(t.mid, t);
    await pc.setRemoteDescription(description);
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForIce(pc, gatherTimeoutMs(this.state));
    const sdp = pc.localDescription;
    if (sdp) this.send({ type: 'subscriber-answer', description: { type: 'answer', sdp: sdp.sdp } });
    // Tracks that left the offer (a screen share that stopped, a participant who left) leave the stage.
    for (const [mid, tile] of this.tiles) {
      if (!wanted.has(mid)) {
        tile.remove();
        this.tiles.delete(mid);
        this.trackInfo.delete(mid);
      }
    }
    for (const t of pc.getTransceivers()) {
      const mid = t.mid;
      if (mid && wanted.has(mid) && !this.tiles.has(mid) && t.receiver.track.readyState === 'live') this.attach(mid, t.receiver.track, this.trackInfo.get(mid));
    }
    this.view.renderStagePlaceholder();
  }

  /** Closes the connection and takes every remote tile off the stage. */
  close(): void {
    this.pc?.close();
    this.pc = null;
    for (const tile of this.tiles.values()) tile.remove();
    this.tiles.clear();
    this.trackInfo.clear();
  }
}
