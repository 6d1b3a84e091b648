import { CloudflareApiError } from '../../../../domain/providers/cloudflare/api-error';
import type { JobHandler } from '../../../../jobs/queue';
import type { RtkContext } from '../rtk-context';
import type { RtkJobsDeps } from '../rtk-jobs';

/** `cloudflare.stop-recording`: the recording was stopped in Aula; RealtimeKit is told to stop. */
export function stopRecordingJob(deps: Pick<RtkJobsDeps, 'api' | 'recordingsRepo'>, rtk: RtkContext): JobHandler<'cloudflare.stop-recording'> {
  const { api } = deps;
  return {
    async run({ recordingId }) {
      const state = await rtk.stateOf(recordingId);
      if (!state) return { outcome: 'skipped', detail: 'not started at RealtimeKit yet; the start stops it' };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await rtk.contextOf(rec));
      if (!ctx?.account.realtimeKit) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      try {
        await api.stopRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, state.rtkRecordingId);
      } catch (err) {
        // Already stopped at RealtimeKit (it stops by itself when the meeting empties): its webhook carries on.
        if (!(err instanceof CloudflareApiError) || err.retryable) throw err;
        return { outcome: 'done', detail: `RealtimeKit: ${err.message}` };
      }
      return { outcome: 'done', detail: `stopped ${state.rtkRecordingId}` };
    },
  };
}
