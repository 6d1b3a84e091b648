import type { ClientCommand, SessionDescription, TrackSource } from '../../../../src/contracts/live-signaling';
import { gatherTimeoutMs, waitForIce } from './ice';
import { type DeviceKind, LocalMedia } from './local-media';
import { canSpeak, isHost, type RoomState } from './state';
import { errorMessage } from '../../format';
import type { LocalMediaStatus } from './view';

/** What the publisher asks of the rest of the page. */
export interface PublisherHooks {
  send(command: ClientCommand): void;
  say(text: string, kind?: 'info' | 'error'): void;
  renderControls(): void;
  /** Shows this page's own camera (or takes the preview away with null). */
  showLocalPreview(track: MediaStreamTrack | null): void;
}

/** The publish side: this participant's camera, microphone and screen, offered to the room's SFU. */
export class Publisher {
  pc: RTCPeerConnection | null = null;
  readonly local = new LocalMedia();
  /** The camera as its owner set it; until then an instructor's is on and a student's off. */
  private cameraChoice: boolean | null = null;
  private screen: MediaStream | null = null;
  private readonly transceivers: Partial<Record<TrackSource, RTCRtpTransceiver>> = {};
  private readonly sharingSources = new Set<TrackSource>();
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: RoomState,
    private readonly hooks: PublisherHooks,
  ) {}

  status(): LocalMediaStatus {
    const screenTrack = this.sharingSources.has('screen') ? this.screen?.getVideoTracks()[0] ?? null : null;
    return { sharingScreen: screenTrack !== null, screenTrack, hasMicrophone: this.local.microphone() !== null, cameraOn: this.local.camera() !== null };
  }

  private wantsCamera(): boolean {
    return canSpeak(this.state) && (this.cameraChoice ?? isHost(this.state));
  }

  private async ensureLocalMedia(): Promise<void> {
    try {
      await this.local.ensure(this.wantsCamera(), true);
      if (this.state.you?.audioMuted) this.setMuted(true);
    } catch (err) {
      this.hooks.say(`Your camera or microphone is not available: ${errorMessage(err)}`, 'error');
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
    this.publishing = this.publishing.then(() => this.doPublish()).catch((err: unknown) => this.hooks.say(`Could not publish your media: ${errorMessage(err)}`, 'error'));
    return this.publishing;
  }

  private async doPublish(): Promise<void> {
    const { state } = this;
    if (!state.you || state.stopped) return;
    const wantMic = canSpeak(state);
    if (!wantMic) {
      this.unpublishSource('microphone');
      this.unpublishSource('camera');
      return;
    }
    await this.ensureLocalMedia();
    let changed = false;
    const cam = this.wantsCamera() ? this.local.camera() : null;
    const mic = this.local.microphone();
    if (!cam) this.unpublishSource('camera');
    if (cam) changed = this.setSenderTrack('camera', cam, this.local.stream) || changed;
    if (mic) changed = this.setSenderTrack('microphone', mic, this.local.stream) || changed;
    const screenTrack = this.screen?.getVideoTracks()[0] ?? null;
    if (screenTrack) changed = this.setSenderTrack('screen', screenTrack, this.screen) || changed;
    if (cam) this.sharingSources.add('camera');
    if (mic) this.sharingSources.add('microphone');
    if (screenTrack) this.sharingSources.add('screen');
    this.hooks.showLocalPreview(cam);
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
    if (this.pc && this.pc.signalingState === 'have-local-offer') {
      await this.pc.setRemoteDescription(description);
      await this.keepResolution();
    }
    this.sendSources();
  }

  /**
   * A shared screen, and the instructor's camera (recorded at 720p), keep their size when the sender's CPU or the
   * encoder's quality falls short and shed frames instead: otherwise Chromium shrinks a busy laptop's camera to
   * 960 px though the network carries 720p. A student's camera keeps the browser's balance of the two.
   */
  private async keepResolution(): Promise<void> {
    const sources: TrackSource[] = isHost(this.state) ? ['screen', 'camera'] : ['screen'];
    for (const source of sources) {
      const sender = this.transceivers[source]?.sender;
      if (!sender) continue;
      const params: RTCRtpSendParameters & { degradationPreference?: string } = sender.getParameters();
      if (params.degradationPreference === 'maintain-resolution') continue;
      // A browser without the setting keeps its own balance: nothing else depends on it.
      await sender.setParameters({ ...params, degradationPreference: 'maintain-resolution' } as RTCRtpSendParameters).catch(() => undefined);
    }
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
      this.hooks.say(`Screen sharing did not start: ${errorMessage(err)}`, 'error');
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
    const mic = this.local.microphone();
    if (mic) mic.enabled = !muted;
  }

  /** Turns this page's camera off (its light too) or on again; the sender keeps its place, nothing is renegotiated. */
  async setCamera(on: boolean): Promise<void> {
    this.cameraChoice = on;
    if (on) return this.publish();
    this.unpublishSource('camera');
    this.local.stop('camera');
    this.hooks.showLocalPreview(null);
    this.hooks.renderControls();
  }

  /** Uses another camera or microphone: the new track replaces the old one on its sender. */
  async useDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    try {
      const track = await this.local.switchTo(kind, deviceId);
      const source: TrackSource = kind;
      const sender = this.transceivers[source]?.sender;
      if (track && sender && this.sharingSources.has(source)) await sender.replaceTrack(track);
      if (track && kind === 'camera') this.hooks.showLocalPreview(track);
    } catch (err) {
      this.hooks.say(`Could not switch to that ${kind}: ${errorMessage(err)}`, 'error');
    }
  }

  /** The instructor took back the word: the microphone and the camera stop and leave the publish side. */
  dropMicrophone(): void {
    this.unpublishSource('microphone');
    this.unpublishSource('camera');
    this.local.stopAll();
    this.cameraChoice = null;
    this.hooks.showLocalPreview(null);
  }

  /** Closes the connection; the camera and microphone stay on for the next one. */
  closeConnection(): void {
    this.pc?.close();
    this.pc = null;
    this.clearTransceivers();
  }

  /** Stops every local track (the page left the room). */
  stopMedia(): void {
    this.local.stopAll();
    for (const t of this.screen?.getTracks() ?? []) t.stop();
    this.screen = null;
    this.sharingSources.clear();
  }
}
