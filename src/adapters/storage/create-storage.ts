import type { AppConfig } from '../../config';
import { LocalMediaStorage } from './local-storage';
import type { MediaStorage } from './media-storage';
import { S3MediaStorage } from './s3-storage';

export function createMediaStorage(config: AppConfig['storage']): MediaStorage {
  return config.kind === 's3' ? new S3MediaStorage(config.s3) : new LocalMediaStorage(config.dir);
}
