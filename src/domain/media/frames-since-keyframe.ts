/**
 * What a decoder needs to show a video stream's current picture: its last keyframe and every delta frame after it.
 * The SFU keeps this for each published picture, so a recording that starts mid-share shows the share at once; the
 * recorder keeps it for the stills of a held picture. Bounded: at the first bound the source is to be asked for a
 * keyframe (the run stays short to decode), past the second the run is given up until the next keyframe.
 */
const REFRESH_AFTER_FRAMES = 600;
const MAX_FRAMES = 1_500;
const MAX_BYTES = 48 * 1024 * 1024;

export class FramesSinceKeyframe<Frame extends { data: Buffer }> {
  private frames: Frame[] | null = null;
  private bytes = 0;

  /** Keeps `frame`; true when the source should now be asked for a keyframe. */
  add(frame: Frame, keyframe: boolean): boolean {
    if (keyframe) {
      this.frames = [frame];
      this.bytes = frame.data.length;
      return false;
    }
    if (!this.frames) return false;
    this.frames.push(frame);
    this.bytes += frame.data.length;
    const refresh = this.frames.length === REFRESH_AFTER_FRAMES;
    if (this.frames.length > MAX_FRAMES || this.bytes > MAX_BYTES) this.clear();
    return refresh;
  }

  /** A frame was lost (or the picture was otherwise broken): nothing is known until the next keyframe. */
  clear(): void {
    this.frames = null;
    this.bytes = 0;
  }

  /** The keyframe first, then the frames after it; null when the current picture is not known. */
  current(): readonly Frame[] | null {
    return this.frames;
  }
}
