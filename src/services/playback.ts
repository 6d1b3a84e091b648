import type { Clock } from '../adapters/clock';
import type { RecordingRepository } from '../adapters/db/recording-repository';
import type { ByteRange, MediaStorage } from '../adapters/storage/media-storage';
import { DomainError, NotFound } from '../domain/errors';
import type { Principal } from '../domain/identity';
import { signPlaybackToken, verifyPlaybackToken } from '../domain/playback-token';
import { recordingPrefix } from '../domain/media/recording-layout';
import type { RecordingMedia } from '../domain/recording-media';
import type { AuditLog, RequestContext } from './audit';
import type { ChangeFeed } from './change-feed';
import type { MediaCache, MediaObject } from './media-cache';
import type { ViewerAccess } from './viewer-access';

export interface PlaybackUrls {
  recordingId: string;
  expiresAt: string;
  hls: string;
  mp4: string | null;
  poster: string | null;
  thumbnails: string | null;
  chat: string | null;
  captions: string | null;
}

/** Files a playback token may reach, relative to the recording's folder. Sources and anything else stay private. */
const SERVABLE = /^(hls\/master\.m3u8|hls\/[a-z0-9_]{1,20}\/(index\.m3u8|seg_\d{1,6}\.(ts|m4s)|init\.mp4)|poster\.jpg|sprite\.jpg|thumbnails\.vtt|download\.mp4|chat\.vtt|captions\.vtt)$/;

/** A share link's media carry this viewer id instead of a user's. */
export const shareViewerId = (shareLinkId: string) => `share-${shareLinkId}`;
export function shareLinkOfViewer(viewerId: string): string | null {
  return viewerId.startsWith('share-') ? viewerId.slice('share-'.length) : null;
}

export function contentTypeOf(file: string): string {
  if (file.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (file.endsWith('.ts')) return 'video/mp2t';
  if (file.endsWith('.m4s')) return 'video/iso.segment';
  if (file.endsWith('.mp4')) return 'video/mp4';
  if (file.endsWith('.jpg')) return 'image/jpeg';
  if (file.endsWith('.vtt')) return 'text/vtt; charset=utf-8';
  return 'application/octet-stream';
}

/**
 * Who a link is issued to, as it travels in the token: a user id, `key-{apiKeyId}` for an API key (so revoking the
 * key ends its links), or `key` for the configured admin key.
 */
export function viewerIdOf(viewer: Principal): string {
  if (viewer.kind === 'user') return viewer.userId;
  return viewer.apiKeyId ? `key-${viewer.apiKeyId}` : 'key';
}

/** The API key a link's viewer id names: its id, null for the configured admin key, undefined for a user. */
export function apiKeyOfViewer(viewerId: string): string | null | undefined {
  if (viewerId === 'key') return null;
  return viewerId.startsWith('key-') ? viewerId.slice(4) : undefined;
}

/**
 * Recordings whose media stays with a provider (Cloudflare Stream "keep" storage): the provider's own signed URL for
 * this recording, valid until `expiresAtUnix`, or null when the recording is not one of these.
 */
export type HostedPlayback = (recordingId: string, expiresAtUnix: number) => Promise<{ hls: string } | null>;

interface CachedRecording {
  status: string;
  title: string;
  media: RecordingMedia | null;
  batchId: string;
  fetchedAt: number;
}

export function createPlaybackService(deps: {
  recordings: Pick<RecordingRepository, 'getForAccess'>;
  access: ViewerAccess;
  storage: MediaStorage;
  audit: AuditLog;
  feed: ChangeFeed;
  clock: Clock;
  signingKey: Buffer;
  publicUrl: string;
  ttlSeconds: number;
  /** Optional in-memory cache of immutable media; playlists always come from storage. */
  mediaCache?: MediaCache;
  /** Looks up a link's viewer, so access is checked again while the link is in use (and its API key is not revoked). */
  users: {
    getUser(id: string): Promise<{ id: string; role: Principal['role']; name: string } | null>;
    getApiKey(id: string): Promise<{ id: string; revoked_at: string | null } | undefined>;
  };
  /** Media issued through a share link plays only while the link is neither revoked nor expired. */
  shareLinks?: { isActive(id: string, now: string): Promise<boolean> };
  hosted?: HostedPlayback | undefined;
}) {
  const cache = new Map<string, CachedRecording>();
  // Status changes (a deletion above all) reach every media request at once, not after the cache expires;
  // reprocessing changes the status too, so cached bytes of the old output go with it.
  const unsubscribe = deps.feed.subscribe((change) => {
    if (change.kind !== 'recording') return;
    cache.delete(change.recordingId);
    deps.mediaCache?.invalidatePrefix(recordingPrefix(change.recordingId));
  });
  const CACHE_MS = 2_000;

  async function recordingState(id: string): Promise<CachedRecording | null> {
    const hit = cache.get(id);
    const now = Date.now();
    if (hit && now - hit.fetchedAt < CACHE_MS) return hit;
    const row = await deps.recordings.getForAccess(id);
    if (!row) {
      cache.delete(id);
      return null;
    }
    const entry: CachedRecording = { status: row.status, title: row.title, media: row.media ? (JSON.parse(row.media) as RecordingMedia) : null, batchId: row.batchId, fetchedAt: now };
    if (cache.size > 10_000) cache.clear();
    cache.set(id, entry);
    return entry;
  }

  // A link outlives its issue by hours; a student removed from the batch (or a deleted user) loses it within this time.
  // A refusal is remembered only briefly, so a re-enrolled student's new links work at once.
  const ACCESS_RECHECK_MS = 30_000;
  const REFUSAL_RECHECK_MS = 1_000;
  // Links issued to an API key end within this time of the key's revocation.
  const API_KEY_RECHECK_MS = 5_000;
  const viewerAccess = new Map<string, { allowed: Promise<boolean>; at: number; settled: boolean | null }>();

  async function checkViewer(viewerId: string, batchId: string): Promise<boolean> {
    const shareLinkId = shareLinkOfViewer(viewerId);
    if (shareLinkId !== null) return (await deps.shareLinks?.isActive(shareLinkId, deps.clock.now().toISOString())) ?? false;
    const key = apiKeyOfViewer(viewerId);
    if (key !== undefined) {
      if (key === null) return true; // the configured admin key, which cannot be revoked
      const row = await deps.users.getApiKey(key);
      return row !== undefined && row.revoked_at === null;
    }
    const user = await deps.users.getUser(viewerId);
    if (!user) return false;
    return deps.access.assertCanView({ kind: 'user', userId: user.id, role: user.role, name: user.name }, batchId).then(() => true, () => false);
  }

  function stillAllowed(viewerId: string, batchId: string): Promise<boolean> {
    const cacheKey = `${viewerId}:${batchId}`;
    const hit = viewerAccess.get(cacheKey);
    const now = deps.clock.now().getTime();
    const maxAge = hit?.settled === false ? REFUSAL_RECHECK_MS : apiKeyOfViewer(viewerId) !== undefined ? API_KEY_RECHECK_MS : ACCESS_RECHECK_MS;
    if (hit && now - hit.at < maxAge) return hit.allowed;
    const entry = { allowed: checkViewer(viewerId, batchId), at: now, settled: null as boolean | null };
    if (viewerAccess.size > 50_000) viewerAccess.clear();
    viewerAccess.set(cacheKey, entry);
    entry.allowed.then((ok) => (entry.settled = ok), () => viewerAccess.delete(cacheKey));
    return entry.allowed;
  }

  /** A fresh, successful access check (issuing links) is what media requests see from now on. */
  function rememberAllowed(viewerId: string, batchId: string) {
    viewerAccess.set(`${viewerId}:${batchId}`, { allowed: Promise.resolve(true), at: deps.clock.now().getTime(), settled: true });
  }

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
      const expiresAtUnix = Math.min(Math.floor(deps.clock.now().getTime() / 1000) + deps.ttlSeconds, Math.floor(Date.parse(linkExpiresAt) / 1000));
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
        const expiresAtUnix = Math.floor(deps.clock.now().getTime() / 1000) + deps.ttlSeconds;
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
      const media = JSON.parse(rec.media) as RecordingMedia;
      const expiresAtUnix = Math.floor(deps.clock.now().getTime() / 1000) + deps.ttlSeconds;
      const token = signPlaybackToken({ recordingId, viewerId: viewerIdOf(viewer), expiresAtUnix }, deps.signingKey);
      rememberAllowed(viewerIdOf(viewer), rec.batchId);
      const base = `${deps.publicUrl}/media/${token}/`;
      const rel = (key: string | null) => (key ? base + key.slice(recordingPrefix(recordingId).length) : null);
      deps.audit.record({ actor: viewer, recordingId, action: 'playback.issue', outcome: 'allowed', ctx });
      return {
        recordingId, expiresAt: new Date(expiresAtUnix * 1000).toISOString(), hls: rel(media.masterKey)!, mp4: rel(media.mp4Key), poster: rel(media.posterKey),
        thumbnails: rel(media.thumbnailsVttKey), chat: rel(media.chatVttKey), captions: rel(media.captionsVttKey),
      };
    },

    /** A poster URL for list pages, signed like the others. */
    posterUrl(viewer: Principal, recordingId: string, media: RecordingMedia | null): string | null {
      if (!media?.posterKey) return null;
      const expiresAtUnix = Math.floor(deps.clock.now().getTime() / 1000) + deps.ttlSeconds;
      const token = signPlaybackToken({ recordingId, viewerId: viewerIdOf(viewer), expiresAtUnix }, deps.signingKey);
      return `${deps.publicUrl}/media/${token}/${media.posterKey.slice(recordingPrefix(recordingId).length)}`;
    },

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
      const rec = await recordingState(check.grant.recordingId);
      if (!rec || rec.status !== 'ready') throw new NotFound('Recording', check.grant.recordingId);
      if (!(await stillAllowed(check.grant.viewerId, rec.batchId))) {
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

    close: unsubscribe,
  };
}

export type PlaybackService = ReturnType<typeof createPlaybackService>;
