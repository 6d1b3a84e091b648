import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../../adapters/clock';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LiveClassRecord, LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { Principal } from '../../domain/identity';
import type { LiveClassProvider } from '../../domain/recording-state';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { RecordingService } from '../recordings';
import type { ViewerAccess } from '../viewer-access';

/** What a provider (Zoom, …) does when Aula's class changes; providers without a remote side have none. */
export interface LiveClassProviderHooks {
  /** The provider records in its own cloud and delivers the files later: Aula starts no recording of its own (per class where it varies). */
  recordsInProviderCloud?: boolean | ((cls: LiveClassRecord) => boolean);
  /** Provider settings a class may choose (`providerOptions`), validated here; without it the field is refused. */
  options?: z.ZodType<Record<string, unknown>>;
  /** A class of this provider names the provider account it runs in (`providerAccountId`). */
  needsAccount?: boolean;
  /** Fields of `providerData` only the class's staff see (a host link). */
  hostLinkFields?: readonly string[];
  created?(cls: LiveClassRecord, options: Record<string, unknown> | null): Promise<Pick<LiveClassRecord, 'providerMeetingId' | 'providerData'> | void>;
  updated?(cls: LiveClassRecord): Promise<void>;
  deleted?(cls: LiveClassRecord): Promise<void>;
  /** Before one class is shown to its staff: a host link that lapses (Zoom's `start_url`) is renewed. */
  renewHostLink?(cls: LiveClassRecord): Promise<LiveClassRecord>;
  /** How this viewer joins the class (already allowed to see it); `staff` is true for the batch's instructors and admins. */
  join?(cls: LiveClassRecord, viewer: Principal, staff: boolean): Promise<JoinInfo>;
  /** A student is let to speak (publish audio and video), or no longer. */
  setSpeaker?(cls: LiveClassRecord, userId: string, allowed: boolean): Promise<void>;
}

/** Where and how one viewer joins a class. */
export interface JoinInfo {
  provider: LiveClassProvider;
  /** A page or meeting link to open. */
  url: string | null;
  /** For a LiveKit room: the server, room and a short-lived token for this viewer only. */
  serverUrl?: string;
  roomName?: string;
  token?: string;
  canPublish?: boolean;
  expiresAt?: string;
}

export interface LiveClassServiceDeps {
  liveClasses: LiveClassRepository;
  catalog: Pick<CatalogRepository, 'getBatch' | 'getLesson' | 'countMembers'>;
  access: ViewerAccess;
  recordings: RecordingService;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass'>;
  clock: Clock;
  logger: Logger;
  providers: Partial<Record<LiveClassProvider, LiveClassProviderHooks>>;
  /** WebRTC seats of a native room; students past them watch its live stream. */
  nativeSeats: number;
  /** Consoles follow class changes through it. */
  feed?: ChangeFeed | undefined;
}

export interface NewLiveClass {
  title: string;
  batchId: string;
  lessonId?: string | null | undefined;
  provider: LiveClassProvider;
  startsAt: string;
  durationMinutes: number;
  autoRecord?: boolean | undefined;
  providerAccountId?: string | null | undefined;
  /** Provider-specific choices (Cloudflare: `{ mode }`), checked against the provider's `options` schema. */
  providerOptions?: Record<string, unknown> | null | undefined;
}
