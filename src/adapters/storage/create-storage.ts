import { LocalMediaStorage } from './local-storage';
import type { MediaStorage } from './media-storage';
import { S3MediaStorage, type S3StorageOptions } from './s3-storage';

/** Where media lives: a folder on this machine, or an S3 bucket. */
export type MediaStorageOptions = { kind: 'local'; dir: string } | { kind: 's3'; s3: S3StorageOptions };

export function createMediaStorage(options: MediaStorageOptions): MediaStorage {
  return options.kind === 's3' ? new S3MediaStorage(options.s3) : new LocalMediaStorage(options.dir);
}
