import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { RunFfmpegOptions } from '../../../adapters/media/ffmpeg-process';
import type { CloudflareApi } from '../../../adapters/providers/cloudflare-api';
import type { JobQueue } from '../../../jobs/queue';
import type { RecordingService } from '../../recordings';
import type { JobScratch } from '../job-scratch';
import type { RemoteImport } from '../remote-import';
import type { CloudflareAccount } from './account';
import { modeOf } from './hooks';
import { importVideoJob } from './jobs/import-video';
import { pollInputJob } from './jobs/poll-input';
import { importVideoJobKey, VIDEO_IMPORT_MAX_ATTEMPTS } from './refs';

/** What Aula keeps for a recording whose video stays on Cloudflare. */
export interface HostedVideoState {
  hosted: { videoUid: string; hls: string };
}

export interface StreamJobsDeps {
  api: CloudflareApi;
  loadAccount(id: string): Promise<CloudflareAccount | null>;
  remoteImport: RemoteImport;
  recordings: Pick<RecordingService, 'createHostedElsewhere'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'getByProviderMeeting'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Copies a video's HLS into an MP4 when Cloudflare makes none. */
  runFfmpeg(args: string[], opts: RunFfmpegOptions): Promise<unknown>;
  scratch: JobScratch;
  maxDownloadBytes: number;
  pollMs: number;
  clock: Clock;
  log: Logger;
}

/** Stream videos (one per broadcast of a live input) into Aula recordings. */
export function streamJobs(deps: StreamJobsDeps) {
  async function classOfInput(account: CloudflareAccount, liveInputId: string | null | undefined): Promise<LiveClassRecord | null> {
    if (!liveInputId) return null;
    const cls = await deps.liveClassesRepo.getByProviderMeeting('cloudflare', liveInputId);
    return cls && !cls.deletedAt && cls.providerAccountId === account.id && modeOf(cls) === 'stream' ? cls : null;
  }

  async function enqueueImport(accountId: string, videoUid: string) {
    await deps.queue.enqueue('cloudflare.import-video', { accountId, videoUid }, { dedupeKey: importVideoJobKey(videoUid), maxAttempts: VIDEO_IMPORT_MAX_ATTEMPTS });
  }

  return { importVideo: importVideoJob(deps, classOfInput), pollInput: pollInputJob(deps, enqueueImport), enqueueImport, classOfInput };
}

export type StreamJobs = ReturnType<typeof streamJobs>;
