/**
 * VP8 frames outside Matroska: the IVF container libvpx reads and writes, and the picture size a VP8 keyframe
 * carries (RFC 6386 §9.1).
 */

/** Width and height of a VP8 keyframe, or null when `frame` is not one. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0]! & 1) !== 0 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** An IVF file of VP8 frames, one per 1/25 s. */
export function ivfFile(width: number, height: number, frames: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(25, 16);
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(frames.length, 24);
  return Buffer.concat([header, ...frames.flatMap((frame, i) => {
    const head = Buffer.alloc(12);
    head.writeUInt32LE(frame.length, 0);
    head.writeUInt32LE(i, 4);
    return [head, frame];
  })]);
}

/** The frames of an IVF file; a truncated last frame is left out. */
export function ivfFrames(file: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  if (file.length < 32 || file.toString('latin1', 0, 4) !== 'DKIF') return frames;
  for (let at = file.readUInt16LE(6); at + 12 <= file.length; ) {
    const size = file.readUInt32LE(at);
    if (at + 12 + size > file.length) break;
    frames.push(file.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}
