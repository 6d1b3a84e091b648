import { Transform } from 'node:stream';

/**
 * A pass-through stream that counts the bytes going through it and, given a limit, fails the pipeline with
 * `tooLarge()` as soon as they exceed it (an upload or a download never lands bigger than allowed).
 */
export function byteCounter(limit?: { maxBytes: number; tooLarge: () => Error }): { stream: Transform; bytes(): number } {
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(limit && bytes > limit.maxBytes ? limit.tooLarge() : null, chunk);
    },
  });
  return { stream, bytes: () => bytes };
}
