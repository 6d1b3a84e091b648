import type { ByteRange } from '../../adapters/storage/media-storage';
import { DomainError, NotFound } from '../../domain/errors';
import { verifyPlaybackToken } from '../../domain/playback-token';
import type { RecordingTrim } from '../../domain/media/trim';
import { type RecordingMedia, recordingPrefix } from '../../domain/recording-media';
import type { MediaObject } from '../media-cache';
import { SERVABLE } from './media-files';
import type { createRecordingStates } from './recording-states';
import type { PlaybackServiceDeps } from './types';
import type { ViewerRecheck } from './viewer-recheck';

export interface ResolvedMedia {
  key: string;
  recordingId: string;
  viewerId: string;
  title: string;
  recording: { id: string; trim: RecordingTrim | null; media: RecordingMedia | null };
}

/** Media requests under `/media/{token}/{file}`: the token and the viewer checked, the bytes from the cache or storage. */
export function createMediaAccess(
  deps: Pick<PlaybackServiceDeps, 'storage' | 'mediaCache' | 'clock' | 'signingKey' | 'quickCut'>,
  states: Pick<ReturnType<typeof createRecordingStates>, 'recordingState'>,
  recheck: ViewerRecheck,
) {
  return {
    /**
     * Resolves `/media/{token}/{file}` to a storage key: 403 for a bad or expired token, 404 when the recording is
     * gone or deleted or the file is not one a player may fetch.
     */
    async resolve(token: string, file: string): Promise<ResolvedMedia> {
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
      const recordingId = check.grant.recordingId;
      return { key: recordingPrefix(recordingId) + file, recordingId, viewerId: check.grant.viewerId, title: rec.title, recording: { id: recordingId, trim: rec.trim, media: rec.media } };
    },

    /**
     * Size and date of a servable file, with its bytes when they are (now) cached or rewritten for a trim that is
     * not cut yet; `null` when missing.
     */
    async lookup(key: string, recording?: ResolvedMedia['recording']): Promise<MediaObject | null> {
      const rewritten = recording && (await deps.quickCut.rewrite(recording, key));
      if (rewritten) {
        const info = await deps.storage.stat(key);
        const body = Buffer.from(rewritten);
        return info ? { info: { ...info, size: body.length }, body } : null;
      }
      if (!deps.mediaCache || key.endsWith('.m3u8')) {
        const info = await deps.storage.stat(key);
        return info ? { info, body: null } : null;
      }
      return deps.mediaCache.get(key);
    },
    read: (key: string, range?: ByteRange) => deps.storage.read(key, range),
  };
}
