import { StorageObjectNotFound, readStoredBytes, readStoredText } from '../../domain/stored-objects';

// Shared with services through the domain; re-exported for the adapters and callers that import them from here.
export { StorageObjectNotFound, readStoredBytes, readStoredText };

export interface StoredObjectInfo {
  size: number;
  lastModified: Date;
}

/** Inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

export class InvalidStorageKey extends Error {
  override name = 'InvalidStorageKey';
  constructor(readonly key: string, reason: string) {
    super(`Invalid storage key ${JSON.stringify(key)}: ${reason}`);
  }
}

export interface MediaStorage {
  readonly kind: 'local' | 's3';
  /** Move or upload a local file to key (atomically visible). The local file is consumed (removed) afterwards. */
  putFile(key: string, localPath: string, contentType?: string): Promise<void>;
  putBuffer(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  stat(key: string): Promise<StoredObjectInfo | null>;
  /** Stream an object (or a byte range of it) without buffering the whole file. Throws StorageObjectNotFound. */
  read(key: string, range?: ByteRange): Promise<NodeJS.ReadableStream>;
  /** A local path for the object (ffmpeg input); local storage returns its own path without copying. */
  localPathFor(key: string, scratchDir: string): Promise<{ path: string; cleanup(): Promise<void> }>;
  /** Removes one object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every object whose key starts with prefix; returns how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
  /** Keys starting with prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}

/**
 * Keys are relative, slash-separated paths. Anything that could escape the storage root
 * (`..`, absolute paths, backslashes, NUL) or that local storage reserves (`.tmp/`) is refused.
 */
export function assertStorageKey(key: string): void {
  checkKey(key, false);
}

/** Like assertStorageKey, but allows the empty prefix and a trailing slash. */
export function assertStoragePrefix(prefix: string): void {
  checkKey(prefix, true);
}

function checkKey(key: string, isPrefix: boolean): void {
  if (key === '') {
    if (isPrefix) return;
    throw new InvalidStorageKey(key, 'empty');
  }
  if (key.includes('\0')) throw new InvalidStorageKey(key, 'contains NUL');
  if (key.includes('\\')) throw new InvalidStorageKey(key, 'contains a backslash');
  if (key.startsWith('/')) throw new InvalidStorageKey(key, 'absolute path');
  if (/[\x00-\x1f\x7f]/.test(key)) throw new InvalidStorageKey(key, 'contains control characters');
  const segments = key.split('/');
  if (isPrefix && segments[segments.length - 1] === '') segments.pop();
  for (const segment of segments) {
    if (segment === '..') throw new InvalidStorageKey(key, 'contains ..');
    if (segment === '.' || segment === '') throw new InvalidStorageKey(key, 'contains an empty or "." segment');
  }
  if (segments[0] === '.tmp') throw new InvalidStorageKey(key, '.tmp is reserved');
}
