import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { EgressDestination, LiveKitApi } from '../../../adapters/providers/livekit-api';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import type { JobQueue } from '../../../jobs/queue';
import type { RecordingService } from '../../recordings';
import type { JobScratch } from '../job-scratch';
import type { LiveKitAccount } from './account';
import type { CaptureStates } from './capture-state';
import { egressContext } from './egress-context';
import type { EgressImportDeps } from './egress-import';
import { checkEgressJob } from './jobs/check-egress';
import { importEgressJob } from './jobs/import-egress';
import { reconcileJob } from './jobs/reconcile';
import { startEgressJob } from './jobs/start-egress';
import { stopEgressJob } from './jobs/stop-egress';

const START_MAX_ATTEMPTS = 4;

export interface EgressJobsDeps {
  api: LiveKitApi;
  loadAccount(id: string): Promise<LiveKitAccount | null>;
  states: CaptureStates;
  recordings: Pick<RecordingService, 'transition' | 'finishLive' | 'queueLiveProcessing'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'listAwaitingProvider'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  queue: Pick<JobQueue, 'enqueue'>;
  storage: MediaStorage;
  /** Aula's own bucket, which egress writes into with STORAGE=s3. */
  s3: Extract<EgressDestination, { kind: 's3' }> | null;
  /** A storage over a directory shared with the egress host. */
  openDirectory(dir: string): MediaStorage;
  readStoredText: EgressImportDeps['readStoredText'];
  probe: EgressImportDeps['probe'];
  /** Where egress files are brought before they move into storage; one folder per job, removed when it ends. */
  scratch: JobScratch;
  /** How long a new egress may stay STARTING before it is retried once, then given up. */
  startTimeoutMs: number;
  clock: Clock;
  log: Logger;
}

/** Starting, watching, stopping and importing the egress that records a LiveKit class. */
export function egressJobs(deps: EgressJobsDeps) {
  const egress = egressContext(deps);
  return {
    applyEgress: egress.applyEgress,
    startEgress: startEgressJob(deps, egress, START_MAX_ATTEMPTS),
    checkEgress: checkEgressJob(deps, egress, START_MAX_ATTEMPTS),
    stopEgress: stopEgressJob(deps, egress),
    importEgress: importEgressJob(deps, egress),
    reconcile: reconcileJob(deps, egress),
    startMaxAttempts: START_MAX_ATTEMPTS,
  };
}

export type EgressJobs = ReturnType<typeof egressJobs>;
