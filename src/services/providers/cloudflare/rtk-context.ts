import { isoNow } from '../../../adapters/clock';
import type { LiveClassRecord } from '../../../adapters/db/live-class-repository';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import type { CloudflareAccount } from './account';
import { ACTOR } from './refs';
import type { RtkJobsDeps } from './rtk-jobs';

/** What Aula keeps of a RealtimeKit recording it started. */
export interface RtkCaptureState {
  rtkRecordingId: string;
}

/** What every RealtimeKit job shares: a recording's class and account, its capture state, and its failure. */
export function rtkContext(deps: Pick<RtkJobsDeps, 'loadAccount' | 'recordings' | 'recordingsRepo' | 'liveClassesRepo' | 'clock' | 'log'>) {
  async function contextOf(rec: RecordingRecord): Promise<{ cls: LiveClassRecord; account: CloudflareAccount } | null> {
    const cls = await deps.liveClassesRepo.get(rec.liveClassId);
    const account = cls?.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
    return cls && account ? { cls, account } : null;
  }

  async function stateOf(recordingId: string): Promise<RtkCaptureState | null> {
    const raw = await deps.recordingsRepo.getProviderState(recordingId);
    return raw ? (JSON.parse(raw) as RtkCaptureState) : null;
  }

  /** Fails a recording with the reason, from recording or processing. */
  async function fail(recordingId: string, reason: string) {
    const rec = await deps.recordingsRepo.get(recordingId);
    if (!rec) return;
    if (rec.status === 'recording') await deps.recordings.transition(recordingId, { to: 'processing' }, ACTOR, 'RealtimeKit recording ended', { endedAt: isoNow(deps.clock) });
    if (rec.status === 'recording' || rec.status === 'processing') await deps.recordings.transition(recordingId, { to: 'failed' }, ACTOR, 'RealtimeKit recording failed', { processingError: reason, progress: null });
    deps.log.warn({ recordingId, reason }, 'RealtimeKit recording failed');
  }

  return { contextOf, stateOf, fail };
}

export type RtkContext = ReturnType<typeof rtkContext>;
