export type DeviceKind = 'camera' | 'microphone';

const CAMERA: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 } };

/** This page's own camera and microphone: opened when needed, from the chosen device, stopped when not. */
export class LocalMedia {
  readonly stream = new MediaStream();
  /** The device chosen for each kind, or null for the browser's default. */
  private readonly chosen: Record<DeviceKind, string | null> = { camera: null, microphone: null };

  camera(): MediaStreamTrack | null {
    return this.stream.getVideoTracks()[0] ?? null;
  }

  microphone(): MediaStreamTrack | null {
    return this.stream.getAudioTracks()[0] ?? null;
  }

  /** The device id in use for a kind (the chosen one, else the one the browser opened). */
  deviceOf(kind: DeviceKind): string | null {
    const track = kind === 'camera' ? this.camera() : this.microphone();
    return track?.getSettings().deviceId ?? this.chosen[kind];
  }

  /** Opens what is wanted and not open yet; throws what getUserMedia throws. */
  async ensure(wantCamera: boolean, wantMicrophone: boolean): Promise<void> {
    const video = wantCamera && !this.camera();
    const audio = wantMicrophone && !this.microphone();
    if (!video && !audio) return;
    const got = await navigator.mediaDevices.getUserMedia({ video: video ? this.constraints('camera') : false, audio: audio ? this.constraints('microphone') : false });
    for (const t of got.getTracks()) this.stream.addTrack(t);
  }

  /** Opens the chosen device in place of the current one; resolves with the new track (null when none was open). */
  async switchTo(kind: DeviceKind, deviceId: string): Promise<MediaStreamTrack | null> {
    this.chosen[kind] = deviceId;
    const old = kind === 'camera' ? this.camera() : this.microphone();
    if (!old) return null;
    const got = await navigator.mediaDevices.getUserMedia(kind === 'camera' ? { video: this.constraints('camera') } : { audio: this.constraints('microphone') });
    const track = got.getTracks()[0] ?? null;
    if (!track) return null;
    track.enabled = old.enabled;
    this.stop(kind);
    this.stream.addTrack(track);
    return track;
  }

  stop(kind: DeviceKind): void {
    for (const t of kind === 'camera' ? this.stream.getVideoTracks() : this.stream.getAudioTracks()) {
      t.stop();
      this.stream.removeTrack(t);
    }
  }

  stopAll(): void {
    this.stop('camera');
    this.stop('microphone');
  }

  private constraints(kind: DeviceKind): MediaTrackConstraints | true {
    const id = this.chosen[kind];
    if (kind === 'camera') return id ? { ...CAMERA, deviceId: { exact: id } } : CAMERA;
    return id ? { deviceId: { exact: id } } : true;
  }
}
