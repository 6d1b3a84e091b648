import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { newId } from '../adapters/crypto';
import { DomainError } from '../domain/errors';

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
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) return cb(new DomainError('payload_too_large', `The upload exceeds the limit of ${maxBytes} bytes (AULA_MAX_UPLOAD_BYTES)`));
      cb(null, chunk);
    },
  });
  try {
    await pipeline(req.raw, counter, createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    await rm(file, { force: true });
    if (err instanceof DomainError) throw err;
    throw new DomainError('bad_request', 'The upload was interrupted before it finished; nothing was saved');
  }
  if (Number.isFinite(declared) && declared !== size) {
    await rm(file, { force: true });
    throw new DomainError('bad_request', `The upload ended after ${size} of ${declared} bytes; nothing was saved`);
  }
  if (size === 0) {
    await rm(file, { force: true });
    throw new DomainError('bad_request', 'The upload is empty');
  }
  return { path: file, sizeBytes: size, discard: () => rm(file, { force: true }) };
}

/** A file name safe to keep: no directories, no control characters, bounded length. */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^\w.\- ()]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return cleaned || fallback;
}
