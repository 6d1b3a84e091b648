import { DomainError, NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { signPlaybackToken } from '../../domain/playback-token';
import { type RecordingMedia, recordingPrefix } from '../../domain/recording-media';
import type { RequestContext } from '../audit';
import type { PlaybackServiceDeps, PlaybackUrls } from './types';
import type { ViewerRecheck } from './viewer-recheck';
import { shareViewerId, viewerIdOf } from './viewer-ids';

/** Signed media URLs: for the player of a viewer who may watch, for a share link's guest, and posters for lists. */
export function createPlaybackLinks(deps: Pick<PlaybackServiceDeps, 'recordings' | 'access' | 'audit' | 'clock' | 'signingKey' | 'publicUrl' | 'ttlSeconds' | 'hosted'>, recheck: ViewerRecheck) {
  const expiresAtUnixFromNow = () => Math.floor(deps.clock.now().getTime() / 1000) + deps.ttlSeconds;

  function urlsFor(recordingId: string, media: RecordingMedia, viewerId: string, expiresAtUnix: number): PlaybackUrls {
    const token = signPlaybackToken({ recordingId, viewerId, expiresAtUnix }, deps.signingKey);
    const base = `${deps.publicUrl}/media/${token}/`;
    const rel = (key: string | null) => (key ? base + key.slice(recordingPrefix(recordingId).length) : null);
    return {
      recordingId, expiresAt: new Date(expiresAtUnix * 1000).toISOString(), hls: rel(media.masterKey)!, mp4: rel(media.mp4Key), poster: rel(media.posterKey),
      thumbnails: rel(media.thumbnailsVttKey), chat: rel(media.chatVttKey), captions: rel(media.captionsVttKey),
    };
  }

  return {
    /**
     * URLs for a guest holding a share link (the caller checked the link): bound to the link, not to a person, and
     * expiring with it at the latest.
     */
    async issueForShareLink(shareLinkId: string, recordingId: string, linkExpiresAt: string): Promise<PlaybackUrls & { title: string; durationSeconds: number | null }> {
      const rec = await deps.recordings.getForAccess(recordingId);
      if (!rec || rec.status !== 'ready' || !rec.media) throw new NotFound('Recording', recordingId);
      const expiresAtUnix = Math.min(expiresAtUnixFromNow(), Math.floor(Date.parse(linkExpiresAt) / 1000));
      return { ...urlsFor(recordingId, JSON.parse(rec.media) as RecordingMedia, shareViewerId(shareLinkId), expiresAtUnix), title: rec.title, durationSeconds: rec.durationSeconds };
    },

    /** Checks access and issues signed URLs for everything the player needs. */
    async issue(viewer: Principal, recordingId: string, ctx: RequestContext): Promise<PlaybackUrls> {
      const rec = await deps.recordings.getForAccess(recordingId);
      if (!rec) {
        deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'denied', ctx, detail: 'unknown recording' });
        throw new NotFound('Recording', recordingId);
      }
      try {
        await deps.access.assertCanView(viewer, rec.batchId, 'the batch of this recording');
      } catch (err) {
        deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'denied', ctx, detail: 'not in batch' });
        throw err;
      }
      if (rec.status === 'ready' && !rec.media && deps.hosted) {
        const expiresAtUnix = expiresAtUnixFromNow();
        const hosted = await deps.hosted(recordingId, expiresAtUnix);
        if (hosted) {
          deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'allowed', ctx, detail: 'provider-hosted' });
          return { recordingId, expiresAt: new Date(expiresAtUnix * 1000).toISOString(), hls: hosted.hls, mp4: null, poster: null, thumbnails: null, chat: null, captions: null };
        }
      }
      if (rec.status !== 'ready' || !rec.media) {
        deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'denied', ctx, detail: `recording is ${rec.status}` });
        if (viewer.role === 'student' || rec.status === 'deleted') throw new NotFound('Recording', recordingId);
        throw new DomainError('conflict', `Recording ${recordingId} is '${rec.status}' and cannot be played yet`);
      }
      const urls = urlsFor(recordingId, JSON.parse(rec.media) as RecordingMedia, viewerIdOf(viewer), expiresAtUnixFromNow());
      recheck.rememberAllowed(viewerIdOf(viewer), rec.batchId);
      deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'allowed', ctx });
      return urls;
    },

    /** A poster URL for list pages, signed like the others. */
    posterUrl(viewer: Principal, recordingId: string, media: RecordingMedia | null): string | null {
      if (!media?.posterKey) return null;
      const token = signPlaybackToken({ recordingId, viewerId: viewerIdOf(viewer), expiresAtUnix: expiresAtUnixFromNow() }, deps.signingKey);
      return `${deps.publicUrl}/media/${token}/${media.posterKey.slice(recordingPrefix(recordingId).length)}`;
    },
  };
}
