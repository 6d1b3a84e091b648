/** What the recording shows and plays where a source is absent or silent, and the timing of Opus packets. */

/** A 16×16 black VP8 keyframe (made once by libvpx): the picture of a camera or screen that is absent. */
export const FILLER_VP8_KEYFRAME = Buffer.from('1002009d012a100010000047088585889984880202000c0d6000feffab5080', 'hex');
/** 20 ms of Opus silence (CELT, fullband, mono). */
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
/** 2.5 ms of Opus silence (CELT, fullband, mono): what puts a voice on its time to within 2.5 ms, not 20. */
export const OPUS_SHORT_SILENCE = Buffer.from([0xe0, 0xff, 0xfe]);

/** Duration of an Opus packet from its TOC byte (RFC 6716 §3.1), in milliseconds. */
export function opusPacketMs(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) return 20;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config % 4]! : config < 16 ? [10, 20][config % 2]! : [2.5, 5, 10, 20][config % 4]!;
  const code = toc & 0x3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return frameMs * Math.max(1, frames);
}
