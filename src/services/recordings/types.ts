import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../adapters/db/recording-repository';
import type { SidecarText } from '../../adapters/sidecar-text/worker';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import type { Principal } from '../../domain/identity';
import type { JobQueue } from '../../jobs/queue';
import type { ChangeFeed } from '../../contracts/change-feed';
import type { ViewerAccess } from '../viewer-access';

export interface RecordingServiceDeps {
  recordings: RecordingRepository;
  liveClasses: Pick<LiveClassRepository, 'get'>;
  access: ViewerAccess;
  storage: MediaStorage;
  /** Reads a small stored object (a chat log) whole, as text. */
  readStoredText: (key: string) => Promise<string>;
  queue: JobQueue;
  feed: ChangeFeed;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
  /** Parses attached chat logs and checks captions off the request thread. */
  sidecarText: Pick<SidecarText, 'prepareChat' | 'checkCaptions'>;
  /** Told when a recording first becomes playable: seconds since it ended, by provider (a metrics histogram). */
  onPlayable: (provider: string, secondsSinceEnd: number) => void;
  /** Providers that capture a recording on Aula's command (LiveKit egress), by recording source. */
  captures?: Partial<Record<RecordingRecord['source'], ProviderCapture>> | undefined;
  /** Deletes media a provider keeps for a recording (Cloudflare "keep" storage) when retention purges it; throws to try again later. */
  purgeHosted?: ((recordingId: string) => Promise<void>) | undefined;
  /**
   * The recorder of native live classes, which finishes its own captures. A getter: the recorder is built after
   * this service, from it.
   */
  liveCapture?: (() => LiveCapture) | undefined;
}

/**
 * A provider that records on Aula's command: told when a recording starts and when it is stopped. Its media arrives
 * later (a webhook, then an import), so stopping such a recording queues no processing of its own.
 */
export interface ProviderCapture {
  started(recording: RecordingRecord): Promise<void>;
  stopping(recording: RecordingRecord): Promise<void>;
}

export type Actor = Principal | 'system' | 'job' | `provider:${string}`;

/** Captures a recording's media itself (a native room's recorder); stopping such a recording hands it over. */
export interface LiveCapture {
  owns(recordingId: string): boolean;
  finish(recordingId: string, actor: Actor, reason: string): Promise<RecordingRecord>;
}

/** A chat transcript (JSON lines of t, author, text) and captions (WebVTT) that arrive with a recording's media. */
export type SidecarFiles = { chatLocalPath?: string | undefined; captionsLocalPath?: string | undefined } | undefined;
