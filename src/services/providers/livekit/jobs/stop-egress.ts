import { LiveKitApiError } from '../../../../domain/providers/livekit/api-error';
import { type EgressInfo, isTerminal } from '../../../../domain/providers/livekit/egress';
import type { JobHandler } from '../../../../jobs/queue';
import type { EgressContext } from '../egress-context';
import type { EgressJobsDeps } from '../egress-jobs';

/** `livekit.stop-egress`: the recording was stopped in Aula; LiveKit's answer is applied as its status. */
export function stopEgressJob(deps: Pick<EgressJobsDeps, 'api' | 'states' | 'recordingsRepo'>, egress: EgressContext): JobHandler<'livekit.stop-egress'> {
  const { api, states } = deps;
  return {
    async run({ recordingId }) {
      const { state } = await states.read(recordingId);
      if (!state?.egressId) return { outcome: 'skipped', detail: 'no egress started yet; the start stops it' };
      if (state.status && isTerminal(state.status)) return { outcome: 'skipped', detail: `egress is ${state.status}` };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await egress.contextOf(rec));
      if (!ctx) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      let info: EgressInfo | null;
      try {
        info = await api.stopEgress(ctx.account.credentials, state.egressId);
      } catch (err) {
        // Already ending or ended at LiveKit: what it says now is what counts.
        if (!(err instanceof LiveKitApiError) || err.retryable) throw err;
        info = await api.getEgress(ctx.account.credentials, state.egressId);
      }
      return { outcome: 'done', detail: info ? await egress.applyEgress(recordingId, info) : 'LiveKit has no such egress' };
    },
  };
}
