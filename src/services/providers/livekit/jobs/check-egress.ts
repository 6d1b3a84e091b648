import { type EgressCaptureState, egressPrefix } from '../../../../domain/providers/livekit/egress';
import type { JobHandler } from '../../../../jobs/queue';
import type { EgressContext } from '../egress-context';
import type { EgressJobsDeps } from '../egress-jobs';

/** `livekit.check-egress`: an egress still STARTING after the timeout is stopped, started once more, then given up. */
export function checkEgressJob(
  deps: Pick<EgressJobsDeps, 'api' | 'states' | 'recordingsRepo' | 'queue' | 'startTimeoutMs' | 'log'>,
  egress: EgressContext,
  startMaxAttempts: number,
): JobHandler<'livekit.check-egress'> {
  const { api, states, log } = deps;
  return {
    async run({ recordingId }) {
      const { raw, state } = await states.read(recordingId);
      if (!state?.egressId) return { outcome: 'skipped', detail: 'no egress' };
      if (state.status !== null && state.status !== 'EGRESS_STARTING') return { outcome: 'skipped', detail: `egress is ${state.status}` };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await egress.contextOf(rec));
      if (!ctx) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      const info = await api.getEgress(ctx.account.credentials, state.egressId);
      if (info && info.status !== 'EGRESS_STARTING') return { outcome: 'done', detail: await egress.applyEgress(recordingId, info) };
      await api.stopEgress(ctx.account.credentials, state.egressId).catch((err: unknown) => log.warn({ err, recordingId }, 'could not stop a stuck egress'));
      const seconds = Math.round(deps.startTimeoutMs / 1000);
      if (state.attempt === 1 && rec?.status === 'recording') {
        const retry: EgressCaptureState = { egressId: null, status: null, attempt: 2, prefix: egressPrefix(recordingId, 2), startedAt: null, error: info?.error ?? 'not active in time' };
        if (await states.replace(recordingId, raw, retry)) await deps.queue.enqueue('livekit.start-egress', { recordingId }, { dedupeKey: `livekit-start:${recordingId}:2`, maxAttempts: startMaxAttempts });
        log.warn({ recordingId, egressId: state.egressId }, `LiveKit egress not active after ${seconds} s; starting it once more`);
        return { outcome: 'done', detail: 'retrying the egress once' };
      }
      await egress.fail(recordingId, `LiveKit's egress did not become active within ${seconds} s${state.attempt > 1 ? ', twice' : ''}: ${info?.error || info?.details || 'it stayed in EGRESS_STARTING (is anyone publishing in the room?)'}`);
      return { outcome: 'done', detail: 'gave up' };
    },
  };
}
