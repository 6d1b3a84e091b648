import type { ByteRange } from '../../adapters/storage/media-storage';
import { DomainError, NotFound } from '../../domain/errors';
import { verifyPlaybackToken } from '../../domain/playback-token';
import { recordingPrefix } from '../../domain/recording-media';
import type { MediaObject } from '../media-cache';
import { SERVABLE } from './media-files';
import type { createRecordingStates } from './recording-states';
import type { PlaybackServiceDeps } from './types';
import type { ViewerRecheck } from './viewer-recheck';

/** Media requests under `/media/{token}/{file}`: the token and the viewer checked, the bytes from the cache or storage. */
export function createMediaAccess(
  deps: Pick<PlaybackServiceDeps, 'storage' | 'mediaCache' | 'clock' | 'signingKey'>,
  states: Pick<ReturnType<typeof createRecordingStates>, 'recordingState'>,
  recheck: ViewerRecheck,
) {
  return {
    /**
     * Resolves `/media/{token}/{file}` to a storage key: 403 for a bad or expired token, 404 when the recording is
     * gone or deleted or the file is not one a player may fetch.
     */
    async resolve(token: string, file: string): Promise<{ key: string; recordingId: string; viewerId: string; title: string }> {
      const check = verifyPlaybackToken(token, deps.signingKey, Math.floor(deps.clock.now().getTime() / 1000));
      if (!check.ok) {
        throw new DomainError('forbidden', check.reason === 'expired' ? 'This playback link has expired; reload the page for a new one' : 'This playback link is not valid');
      }
      if (!SERVABLE.test(file)) throw new NotFound('Media file', file);
      const rec = await states.recordingState(check.grant.recordingId);
      if (!rec || rec.status !== 'ready') throw new NotFound('Recording', check.grant.recordingId);
      if (!(await recheck.stillAllowed(check.grant.viewerId, rec.batchId))) {
        throw new DomainError('forbidden', 'The viewer this link was issued to may no longer watch this recording');
      }
      return { key: recordingPrefix(check.grant.recordingId) + file, recordingId: check.grant.recordingId, viewerId: check.grant.viewerId, title: rec.title };
    },

    /** Size and date of a servable file, with its bytes when they are (now) cached; `null` when missing. */
    async lookup(key: string): Promise<MediaObject | null> {
      if (!deps.mediaCache || key.endsWith('.m3u8')) {
        const info = await deps.storage.stat(key);
        return info ? { info, body: null } : null;
      }
      return deps.mediaCache.get(key);
    },
    read: (key: string, range?: ByteRange) => deps.storage.read(key, range),
  };
}
