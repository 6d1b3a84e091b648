import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { newId } from '../adapters/crypto';
import { DomainError } from '../domain/errors';
import { byteCounter } from '../adapters/byte-counter';

/** Content types accepted as a raw media upload body. */
export const MEDIA_CONTENT_TYPES = /^(video\/|audio\/|application\/octet-stream|application\/x-matroska)/;

export interface ReceivedFile {
  path: string;
  sizeBytes: number;
  discard(): Promise<void>;
}

/**
 * Streams a request body to a temporary file, never holding it in memory. Past `maxBytes` (declared or counted)
 * it answers 413; a body cut off half-way removes the partial file.
 */
export async function receiveUpload(req: FastifyRequest, dir: string, maxBytes: number): Promise<ReceivedFile> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new DomainError('payload_too_large', `The upload is ${declared} bytes; the limit is ${maxBytes} bytes (AULA_MAX_UPLOAD_BYTES)`);
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${newId()}.part`);
  const counter = byteCounter({ maxBytes, tooLarge: () => new DomainError('payload_too_large', `The upload exceeds the limit of ${maxBytes} bytes (AULA_MAX_UPLOAD_BYTES)`) });
  try {
    await pipeline(req.raw, counter.stream, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    await rm(file, { force: true });
    if (err instanceof DomainError) throw err;
    throw new DomainError('bad_request', 'The upload was interrupted before it finished; nothing was saved');
  }
  if (Number.isFinite(declared) && declared !== counter.bytes()) {
    await rm(file, { force: true });
    throw new DomainError('bad_request', `The upload ended after ${counter.bytes()} of ${declared} bytes; nothing was saved`);
  }
  if (counter.bytes() === 0) {
    await rm(file, { force: true });
    throw new DomainError('bad_request', 'The upload is empty');
  }
  return { path: file, sizeBytes: counter.bytes(), discard: () => rm(file, { force: true }) };
}

/** A file name safe to keep: no directories, no control characters, bounded length. */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^\w.\- ()]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return cleaned || fallback;
}
