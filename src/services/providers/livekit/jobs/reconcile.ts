import type { JobHandler } from '../../../../jobs/queue';
import type { EgressContext } from '../egress-context';
import type { EgressJobsDeps } from '../egress-jobs';

/** `livekit.reconcile`: webhooks get lost, so what should be recording, or has ended without media, is checked against ListEgress. */
export function reconcileJob(deps: Pick<EgressJobsDeps, 'api' | 'states' | 'recordingsRepo' | 'queue' | 'log'>, egress: EgressContext): JobHandler<'livekit.reconcile'> {
  const { api, states, log } = deps;
  return {
    async run() {
      let checked = 0;
      for (const recordingId of await deps.recordingsRepo.listAwaitingProvider('livekit', 200)) {
        const { state } = await states.read(recordingId);
        if (!state?.egressId) continue;
        if (state.status === 'EGRESS_COMPLETE') {
          await deps.queue.enqueue('livekit.import-egress', { recordingId }, { dedupeKey: `livekit-import:${recordingId}` });
          continue;
        }
        const rec = await deps.recordingsRepo.get(recordingId);
        const ctx = rec && (await egress.contextOf(rec));
        if (!ctx) continue;
        try {
          const info = await api.getEgress(ctx.account.credentials, state.egressId);
          if (info) await egress.applyEgress(recordingId, info);
          checked++;
        } catch (err) {
          log.warn({ err, recordingId }, 'could not reconcile a LiveKit egress');
        }
      }
      return { outcome: 'done', detail: `checked ${checked}` };
    },
  };
}
