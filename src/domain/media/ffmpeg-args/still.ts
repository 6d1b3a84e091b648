/**
 * FFmpeg arguments that turn the picture a VP8 stream last showed into a VP8 keyframe of its own: the recorder
 * holds a source that has stopped sending with it (see services/live/recorder/still-pictures.ts).
 */

/** Decodes `frameCount` frames of `input` (IVF, a keyframe first) and encodes the last picture alone to `output` (IVF). */
export function buildStillKeyframeArgs(input: string, output: string, frameCount: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y', '-threads', '1', '-i', input,
    '-vf', `select=eq(n\\,${frameCount - 1}),setpts=0`, '-fps_mode', 'passthrough', '-frames:v', '1',
    // High quality, so the held picture is the one students saw: text on a slide stays sharp.
    '-c:v', 'libvpx', '-threads', '1', '-deadline', 'good', '-cpu-used', '4', '-crf', '6', '-b:v', '8M', '-qmin', '0', '-qmax', '20',
    '-f', 'ivf', output,
  ];
}
