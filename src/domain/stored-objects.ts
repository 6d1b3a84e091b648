/**
 * What every user of media storage shares, whichever storage holds the files: the error for a missing object and
 * whole-object reads through the storage port a caller is handed (the port itself is in adapters/storage).
 */

export class StorageObjectNotFound extends Error {
  override name = 'StorageObjectNotFound';
  constructor(readonly key: string) {
    super(`Stored object ${key} not found`);
  }
}

/** The part of the storage port a whole-object read needs. */
export interface StoredObjectReader {
  read(key: string): Promise<NodeJS.ReadableStream>;
}

/** Reads a whole stored object into memory: for small files (playlists, chat logs, captions, cached segments). */
export async function readStoredBytes(storage: StoredObjectReader, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await storage.read(key)) as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export async function readStoredText(storage: StoredObjectReader, key: string): Promise<string> {
  return (await readStoredBytes(storage, key)).toString('utf8');
}
