/**
 * Matroska written live, for FFmpeg's stdin: a header of unknown size, then clusters that follow for as long as
 * the class lasts. Only what the recorder needs: VP8 and Opus tracks, SimpleBlocks.
 */

const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function vint(n: number): Buffer {
  for (let len = 1; len <= 8; len++) {
    if (n < 2 ** (7 * len) - 1) {
      const out = Buffer.alloc(len);
      let v = n;
      for (let i = len - 1; i >= 0; i--) {
        out[i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      out[0] = (out[0] ?? 0) | (0x80 >> (len - 1));
      return out;
    }
  }
  throw new Error(`EBML size too large: ${n}`);
}

function uintBytes(n: number): Buffer {
  const bytes: number[] = [];
  let v = Math.max(0, Math.floor(n));
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return Buffer.from(bytes);
}

function element(id: number, body: Buffer | Buffer[]): Buffer {
  const payload = Array.isArray(body) ? Buffer.concat(body) : body;
  return Buffer.concat([uintBytes(id), vint(payload.length), payload]);
}

const uint = (id: number, n: number) => element(id, uintBytes(n));
const str = (id: number, s: string) => element(id, Buffer.from(s, 'utf8'));
function float(id: number, n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return element(id, b);
}

export interface MkvTrack {
  number: number;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
}

/** OpusHead (RFC 7845): stereo, 312 samples pre-skip, 48 kHz. */
function opusHead(): Buffer {
  const b = Buffer.alloc(19);
  b.write('OpusHead', 0, 'ascii');
  b.writeUInt8(1, 8);
  b.writeUInt8(2, 9);
  b.writeUInt16LE(312, 10);
  b.writeUInt32LE(48_000, 12);
  b.writeInt16LE(0, 16);
  b.writeUInt8(0, 18);
  return b;
}

/** EBML header, then a Segment and Tracks of unknown size so clusters can follow for as long as the class lasts. */
export function matroskaHeader(tracks: readonly MkvTrack[]): Buffer {
  const ebml = element(0x1a45dfa3, [uint(0x4286, 1), uint(0x42f7, 1), uint(0x42f2, 4), uint(0x42f3, 8), str(0x4282, 'webm'), uint(0x4287, 4), uint(0x4285, 2)]);
  const info = element(0x1549a966, [uint(0x2ad7b1, 1_000_000), str(0x4d80, 'Aula'), str(0x5741, 'Aula')]);
  const entries = tracks.map((t) =>
    element(0xae, [
      uint(0xd7, t.number),
      uint(0x73c5, t.number),
      uint(0x83, t.kind === 'video' ? 1 : 2),
      uint(0x9c, 0),
      str(0x86, t.kind === 'video' ? 'V_VP8' : 'A_OPUS'),
      ...(t.kind === 'video'
        ? [element(0xe0, [uint(0xb0, t.width ?? 1280), uint(0xba, t.height ?? 720)])]
        : [uint(0x56aa, 6_500_000), uint(0x56bb, 80_000_000), element(0x63a2, opusHead()), element(0xe1, [float(0xb5, 48_000), uint(0x9f, 2)])]),
    ]),
  );
  return Buffer.concat([ebml, uintBytes(0x18538067), UNKNOWN_SIZE, info, element(0x1654ae6b, entries)]);
}

/** Clusters of unknown size, a new one every second of media; blocks carry 16-bit offsets from their cluster. */
export class MatroskaClusterWriter {
  private clusterTs: number | null = null;

  block(track: number, tsMs: number, keyframe: boolean, data: Buffer): Buffer {
    const ts = Math.max(0, Math.round(tsMs));
    const parts: Buffer[] = [];
    if (this.clusterTs === null || ts - this.clusterTs >= 1000 || ts - this.clusterTs < -30_000) {
      this.clusterTs = ts;
      parts.push(uintBytes(0x1f43b675), UNKNOWN_SIZE, uint(0xe7, ts));
    }
    const head = Buffer.alloc(4);
    head.writeUInt8(0x80 | track, 0);
    head.writeInt16BE(ts - this.clusterTs, 1);
    head.writeUInt8(keyframe ? 0x80 : 0x00, 3);
    parts.push(element(0xa3, [head, data]));
    return Buffer.concat(parts);
  }
}
