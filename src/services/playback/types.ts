import type { Clock } from '../../adapters/clock';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import type { Principal } from '../../domain/identity';
import type { AuditLog } from '../audit';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { MediaCache } from '../media-cache';
import type { ViewerAccess } from '../viewer-access';
import type { PlaybackUrls } from '../../contracts/api/playback';
import type { QuickCut } from '../recording-trim/quick-cut';

export type { PlaybackUrls };

/**
 * Recordings whose media stays with a provider (Cloudflare Stream "keep" storage): the provider's own signed URL for
 * this recording, valid until `expiresAtUnix`, or null when the recording is not one of these.
 */
export type HostedPlayback = (recordingId: string, expiresAtUnix: number) => Promise<{ hls: string } | null>;

export interface PlaybackServiceDeps {
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
  /** Playlists and timed text of a trim whose precise cut is not done yet. */
  quickCut: QuickCut;
}
