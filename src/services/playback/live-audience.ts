import type { Clock } from '../../adapters/clock';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { ByteRange, MediaStorage } from '../../adapters/storage/media-storage';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { AudienceStream } from '../../contracts/live-signaling';
import { DomainError, NotFound } from '../../domain/errors';
import { recordingLayout, recordingPrefix } from '../../domain/media/recording-layout';
import { audienceExpiry, signAudienceToken, verifyAudienceToken } from '../../domain/playback-token';
import { readStoredBytes } from '../../domain/stored-objects';
import type { MediaCache, MediaObject } from '../media-cache';
import { LIVE_SERVABLE } from './media-files';

export interface LiveAudienceDeps {
  recordings: Pick<RecordingRepository, 'get'>;
  storage: Pick<MediaStorage, 'stat' | 'read'>;
  /** Segments never change, so they may come from memory; playlists grow and always come from storage. */
  mediaCache?: Pick<MediaCache, 'get'> | undefined;
  feed: ChangeFeed;
  clock: Clock;
  signingKey: Buffer;
  publicUrl: string;
  /** Every viewer of a recording gets the same token for this long (a token lives one to two windows). */
  windowSeconds: number;
}

/** After the class ends the watchers still play what their players have not reached; the files stay reachable this long. */
export const AFTER_END_SECONDS = 120;
const STATE_CACHE_MS = 1_000;
/**
 * A playlist read is reused this long. Players are told `max-age=1`, so an answer up to half a second old is what any
 * cache in front would give them too; without it every viewer's poll is a storage read.
 */
const PLAYLIST_REUSE_MS = 500;

export interface ResolvedLiveFile {
  key: string;
  recordingId: string;
  isPlaylist: boolean;
}

interface LiveState {
  servable: boolean;
  fetchedAt: number;
}

/**
 * The live HLS of a native class's recording for its watch-only audience: one URL per recording and time window,
 * served only while the class is recorded (and briefly after), with caching headers a CDN or nginx can act on.
 */
export function createLiveAudience(deps: LiveAudienceDeps) {
  const nowUnix = () => Math.floor(deps.clock.now().getTime() / 1000);
  // Thousands of viewers ask for the same recording every second or two: its state is read once a second at most.
  const states = new Map<string, LiveState>();
  const unsubscribe = deps.feed.subscribe((change) => {
    if (change.kind === 'recording') states.delete(change.recordingId);
  });

  const playlists = new Map<string, { object: Promise<MediaObject | null>; fetchedAt: number }>();
  function playlist(key: string): Promise<MediaObject | null> {
    const now = Date.now();
    const hit = playlists.get(key);
    if (hit && now - hit.fetchedAt < PLAYLIST_REUSE_MS) return hit.object;
    const object = (async () => {
      const info = await deps.storage.stat(key);
      return info ? { info, body: await readStoredBytes(deps.storage, key) } : null;
    })();
    // A failed read is not reused.
    object.catch(() => playlists.delete(key));
    if (playlists.size > 1_000) playlists.clear();
    playlists.set(key, { object, fetchedAt: now });
    return object;
  }

  async function servable(recordingId: string): Promise<boolean> {
    const hit = states.get(recordingId);
    const now = Date.now();
    if (hit && now - hit.fetchedAt < STATE_CACHE_MS) return hit.servable;
    const rec = await deps.recordings.get(recordingId);
    const endedRecently = rec?.endedAt != null && nowUnix() - Math.floor(Date.parse(rec.endedAt) / 1000) <= AFTER_END_SECONDS;
    const ok = rec !== null && rec.source === 'native' && rec.deletedAt === null && (rec.status === 'recording' || ((rec.status === 'processing' || rec.status === 'ready') && endedRecently));
    if (states.size > 10_000) states.clear();
    states.set(recordingId, { servable: ok, fetchedAt: now });
    return ok;
  }

  return {
    /** The stream of a recording being recorded, as every viewer of it gets it in this window (the caller checked access). */
    stream(recordingId: string): AudienceStream {
      const expiresAtUnix = audienceExpiry(nowUnix(), deps.windowSeconds);
      const token = signAudienceToken({ recordingId, expiresAtUnix }, deps.signingKey);
      const master = recordingLayout(recordingId).master.slice(recordingPrefix(recordingId).length);
      return { recordingId, url: `${deps.publicUrl}/live-media/${token}/${master}`, expiresAt: new Date(expiresAtUnix * 1000).toISOString() };
    },

    /** `/live-media/{token}/{file}` to a storage key: 403 for a bad or expired token, 404 for anything else not live. */
    async resolve(token: string, file: string): Promise<ResolvedLiveFile> {
      const check = verifyAudienceToken(token, deps.signingKey, nowUnix());
      if (!check.ok) throw new DomainError('forbidden', check.reason === 'expired' ? 'This live stream link has expired; the class page renews it by itself' : 'This live stream link is not valid');
      if (!LIVE_SERVABLE.test(file)) throw new NotFound('Live media file', file);
      const { recordingId } = check.grant;
      if (!(await servable(recordingId))) throw new NotFound('Live recording', recordingId);
      return { key: recordingPrefix(recordingId) + file, recordingId, isPlaylist: file.endsWith('.m3u8') };
    },

    async lookup(file: ResolvedLiveFile): Promise<MediaObject | null> {
      if (file.isPlaylist) return playlist(file.key);
      if (!deps.mediaCache) {
        const info = await deps.storage.stat(file.key);
        return info ? { info, body: null } : null;
      }
      return deps.mediaCache.get(file.key);
    },

    read: (key: string, range?: ByteRange) => deps.storage.read(key, range),
    close: unsubscribe,
  };
}

export type LiveAudience = ReturnType<typeof createLiveAudience>;
