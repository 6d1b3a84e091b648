/**
 * The demo workspace's clip: a test pattern with a tone, mixed with spoken numbers when a speech file is given,
 * as a fast-start MP4.
 */
export function buildDemoClipArgs(o: { seconds: number; speech: string | null; output: string }): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${o.seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${o.seconds}`];
  if (o.speech) args.push('-i', o.speech, '-filter_complex', '[1:a]volume=0.15[tone];[2:a]apad[voice];[tone][voice]amix=inputs=2:duration=first[a]', '-map', '0:v', '-map', '[a]');
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '120', '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', '-t', String(o.seconds), o.output);
  return args;
}
