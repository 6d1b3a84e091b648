import type { ClientCommand, SessionDescription, TrackSource } from '../../../../src/contracts/live-signaling';
import { gatherTimeoutMs, waitForIce } from './ice';
import { canSpeak, errorText, isHost, type RoomState } from './state';
import type { LocalMediaStatus } from './view';

/** What the publisher asks of the rest of the page. */
export interface PublisherHooks {
  send(command: ClientCommand): void;
  say(text: string, kind?: 'info' | 'error'): void;
  renderControls(): void;
  showLocalPreview(track: MediaStreamTrack | undefined): void;
}

/** The publish side: this participant's camera, microphone and screen, offered to the room's SFU. */
export class Publisher {
  pc: RTCPeerConnection | null = null;
  private local: MediaStream | null = null;
  private screen: MediaStream | null = null;
  private readonly transceivers: Partial<Record<TrackSource, RTCRtpTransceiver>> = {};
  private readonly sharingSources = new Set<TrackSource>();
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: RoomState,
    private readonly hooks: PublisherHooks,
  ) {}

  status(): LocalMediaStatus {
    return { sharingScreen: this.sharingSources.has('screen'), hasMicrophone: (this.local?.getAudioTracks().length ?? 0) > 0 };
  }

  private async ensureLocalMedia(): Promise<void> {
    const wantVideo = isHost(this.state);
    const hasVideo = (this.local?.getVideoTracks().length ?? 0) > 0;
    const hasAudio = (this.local?.getAudioTracks().length ?? 0) > 0;
    if ((hasVideo || !wantVideo) && hasAudio) return;
    try {
      const got = await navigator.mediaDevices.getUserMedia({ video: wantVideo && !hasVideo ? { width: { ideal: 1280 }, height: { ideal: 720 } } : false, audio: !hasAudio });
      this.local ??= new MediaStream();
      for (const t of got.getTracks()) this.local.addTrack(t);
      if (this.state.you?.audioMuted) for (const t of this.local.getAudioTracks()) t.enabled = false;
    } catch (err) {
      this.hooks.say(`Your camera or microphone is not available: ${errorText(err)}`, 'error');
    }
  }

  private connection(): RTCPeerConnection {
    if (this.pc) return this.pc;
    this.pc = new RTCPeerConnection({ iceServers: this.state.iceServers });
    this.clearTransceivers();
    return this.pc;
  }

  private clearTransceivers(): void {
    for (const s of Object.keys(this.transceivers) as TrackSource[]) delete this.transceivers[s];
  }

  private setSenderTrack(source: TrackSource, track: MediaStreamTrack | null, stream: MediaStream | null): boolean {
    const pc = this.connection();
    const existing = this.transceivers[source];
    if (existing) {
      void existing.sender.replaceTrack(track);
      return false;
    }
    if (!track) return false;
    this.transceivers[source] = pc.addTransceiver(track, { direction: 'sendonly', streams: stream ? [stream] : [] });
    return true;
  }

  /** (Re)offers the publish side with what this participant may send now. */
  publish(): Promise<void> {
    this.publishing = this.publishing.then(() => this.doPublish()).catch((err: unknown) => this.hooks.say(`Could not publish your media: ${errorText(err)}`, 'error'));
    return this.publishing;
  }

  private async doPublish(): Promise<void> {
    const { state } = this;
    if (!state.you || state.stopped) return;
    const wantMic = canSpeak(state);
    if (!isHost(state) && !wantMic) {
      this.unpublishSource('microphone');
      return;
    }
    await this.ensureLocalMedia();
    let changed = false;
    const cam = isHost(state) ? this.local?.getVideoTracks()[0] ?? null : null;
    const mic = wantMic ? this.local?.getAudioTracks()[0] ?? null : null;
    if (cam) changed = this.setSenderTrack('camera', cam, this.local) || changed;
    if (mic) changed = this.setSenderTrack('microphone', mic, this.local) || changed;
    const screenTrack = this.screen?.getVideoTracks()[0] ?? null;
    if (screenTrack) changed = this.setSenderTrack('screen', screenTrack, this.screen) || changed;
    if (cam) this.sharingSources.add('camera');
    if (mic) this.sharingSources.add('microphone');
    if (screenTrack) this.sharingSources.add('screen');
    this.hooks.showLocalPreview(this.local?.getVideoTracks()[0]);
    const pc = this.connection();
    if (!changed && pc.remoteDescription) {
      this.sendSources();
      return;
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitForIce(pc, gatherTimeoutMs(state));
    const sdp = pc.localDescription;
    if (!sdp) return;
    this.hooks.send({ type: 'publish', description: { type: 'offer', sdp: sdp.sdp }, sources: this.currentSources(false) });
    this.hooks.renderControls();
  }

  private currentSources(withNulls: true): Record<string, TrackSource | null>;
  private currentSources(withNulls: false): Record<string, TrackSource>;
  private currentSources(withNulls: boolean): Record<string, TrackSource | null> {
    const out: Record<string, TrackSource | null> = {};
    for (const [source, t] of Object.entries(this.transceivers) as Array<[TrackSource, RTCRtpTransceiver]>) {
      if (!t.mid) continue;
      if (this.sharingSources.has(source)) out[t.mid] = source;
      else if (withNulls) out[t.mid] = null;
    }
    return out;
  }

  sendSources(): void {
    this.hooks.send({ type: 'sources', sources: this.currentSources(true) });
  }

  async acceptAnswer(description: SessionDescription): Promise<void> {
    if (this.pc && this.pc.signalingState === 'have-local-offer') await this.pc.setRemoteDescription(description);
    this.sendSources();
  }

  unpublishSource(source: TrackSource): void {
    if (!this.sharingSources.delete(source)) return;
    const t = this.transceivers[source];
    if (t) void t.sender.replaceTrack(null);
    this.sendSources();
    this.hooks.renderControls();
  }

  async toggleScreen(): Promise<void> {
    if (this.sharingSources.has('screen')) {
      for (const t of this.screen?.getTracks() ?? []) t.stop();
      this.screen = null;
      this.unpublishSource('screen');
      return;
    }
    let screen: MediaStream;
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      this.hooks.say(`Screen sharing did not start: ${errorText(err)}`, 'error');
      return;
    }
    this.screen = screen;
    const track = screen.getVideoTracks()[0];
    track?.addEventListener('ended', () => {
      if (this.screen?.getVideoTracks()[0] === track) {
        this.screen = null;
        this.unpublishSource('screen');
      }
    });
    await this.publish();
  }

  /** Mutes or unmutes the microphone locally, as the room says. */
  setMuted(muted: boolean): void {
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = !muted;
  }

  /** The instructor took back the word: the microphone stops and leaves the publish side. */
  dropMicrophone(): void {
    this.unpublishSource('microphone');
    for (const t of this.local?.getAudioTracks() ?? []) {
      t.stop();
      this.local?.removeTrack(t);
    }
  }

  /** Closes the connection; the camera and microphone stay on for the next one. */
  closeConnection(): void {
    this.pc?.close();
    this.pc = null;
    this.clearTransceivers();
  }

  /** Stops every local track (the page left the room). */
  stopMedia(): void {
    for (const t of [...(this.local?.getTracks() ?? []), ...(this.screen?.getTracks() ?? [])]) t.stop();
    this.local = null;
    this.screen = null;
  }
}
