import path from 'node:path';
import { isoNow } from '../../../adapters/clock';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import { advancesEgress, type EgressInfo, egressOutcome, roomNameOf } from '../../../domain/providers/livekit/egress';
import type { LiveKitAccount } from './account';
import type { EgressJobsDeps } from './egress-jobs';

export const ACTOR = 'provider:livekit' as const;

export type EgressContextDeps = Pick<EgressJobsDeps, 'loadAccount' | 'states' | 'recordings' | 'recordingsRepo' | 'liveClassesRepo' | 'queue' | 'storage' | 's3' | 'openDirectory' | 'clock' | 'log'>;

/** What every egress job shares: a recording's account and room, where its egress writes, and its failure. */
export function egressContext(deps: EgressContextDeps) {
  const { states, recordings, log } = deps;

  async function contextOf(rec: RecordingRecord): Promise<{ account: LiveKitAccount; roomName: string } | null> {
    const cls = await deps.liveClassesRepo.get(rec.liveClassId);
    const account = cls?.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
    return cls && account ? { account, roomName: roomNameOf(cls.id) } : null;
  }

  /** Where egress writes this recording, as LiveKit is told it and as Aula reads it back. */
  function outputsOf(account: LiveKitAccount, prefix: string) {
    if (account.egress.storage === 's3') return { destination: deps.s3 ?? { kind: 'directory' as const }, requestPrefix: prefix, store: deps.storage };
    return { destination: { kind: 'directory' as const }, requestPrefix: path.posix.join(account.egress.directoryOnEgressHost, prefix), store: deps.openDirectory(account.egress.directory) };
  }

  /** Fails a recording with the reason, from wherever it is (recording, or processing while it waited). */
  async function fail(recordingId: string, reason: string) {
    const rec = await deps.recordingsRepo.get(recordingId);
    if (!rec) return;
    if (rec.status === 'recording') await recordings.transition(recordingId, { to: 'processing' }, ACTOR, 'LiveKit egress ended', { endedAt: isoNow(deps.clock) });
    if (rec.status === 'recording' || rec.status === 'processing') await recordings.transition(recordingId, { to: 'failed' }, ACTOR, 'LiveKit egress failed', { processingError: reason, progress: null });
    log.warn({ recordingId, reason }, 'LiveKit recording failed');
  }

  /** What LiveKit reports about an egress, applied once and only forward. */
  async function applyEgress(recordingId: string, info: EgressInfo): Promise<string> {
    for (let tries = 0; tries < 5; tries++) {
      const { raw, state } = await states.read(recordingId);
      if (!state || state.egressId !== info.egressId) return 'not the current egress of a recording';
      if (!advancesEgress(state.status, info.status)) return `already ${state.status ?? 'EGRESS_STARTING'}`;
      if (!(await states.replace(recordingId, raw, { ...state, status: info.status, error: info.error ?? null }))) continue;
      const outcome = egressOutcome(info);
      if (outcome.kind === 'complete') {
        const rec = await deps.recordingsRepo.get(recordingId);
        if (rec?.status === 'recording') {
          await recordings.transition(recordingId, { to: 'processing' }, ACTOR, `LiveKit egress ended by itself (${info.details ?? 'no reason given'})`, { endedAt: isoNow(deps.clock), progress: { stage: 'finishing', percent: 0 } });
        }
        await deps.queue.enqueue('livekit.import-egress', { recordingId }, { dedupeKey: `livekit-import:${recordingId}` });
      } else if (outcome.kind === 'failed') {
        await fail(recordingId, outcome.reason);
      }
      log.info({ recordingId, egressId: info.egressId, status: info.status }, 'LiveKit egress status');
      return `egress ${info.status}`;
    }
    return 'the egress changed too often meanwhile';
  }

  return { contextOf, outputsOf, fail, applyEgress };
}

export type EgressContext = ReturnType<typeof egressContext>;
