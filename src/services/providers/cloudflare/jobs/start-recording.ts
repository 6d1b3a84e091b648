import type { RtkRecording } from '../../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../../domain/providers/cloudflare/api-error';
import type { JobHandler } from '../../../../jobs/queue';
import { modeOf } from '../hooks';
import { RTK_START_MAX_ATTEMPTS, rtkRef } from '../refs';
import type { RtkCaptureState, RtkContext } from '../rtk-context';
import type { RtkJobsDeps } from '../rtk-jobs';

/** `cloudflare.start-recording`: a recording started in Aula is started at RealtimeKit, and stopped at once if Aula stopped it meanwhile. */
export function startRecordingJob(
  deps: Pick<RtkJobsDeps, 'api' | 'recordingsRepo' | 'log'>,
  rtk: RtkContext,
  stopRecording: JobHandler<'cloudflare.stop-recording'>,
): JobHandler<'cloudflare.start-recording'> {
  const { api, log } = deps;
  return {
    async run({ recordingId }) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec) return { outcome: 'skipped', detail: 'the recording no longer exists' };
      if (await rtk.stateOf(recordingId)) return { outcome: 'skipped', detail: 'already started at RealtimeKit' };
      if (rec.status !== 'recording') {
        if (rec.status === 'processing') await rtk.fail(recordingId, 'The recording was stopped before RealtimeKit started recording, so nothing was captured.');
        return { outcome: 'skipped', detail: `recording is ${rec.status}` };
      }
      const ctx = await rtk.contextOf(rec);
      if (!ctx) {
        await rtk.fail(recordingId, 'The class\'s Cloudflare account was removed, so the recording could not be started.');
        return { outcome: 'done', detail: 'no account' };
      }
      if (modeOf(ctx.cls) === 'stream') {
        await rtk.fail(recordingId, 'A Stream live input records every broadcast by itself: start broadcasting from OBS instead of starting a recording in Aula.');
        return { outcome: 'done', detail: 'stream class' };
      }
      if (!ctx.account.realtimeKit || !ctx.cls.providerMeetingId) {
        await rtk.fail(recordingId, 'The class has no RealtimeKit meeting (the account has no RealtimeKit app).');
        return { outcome: 'done', detail: 'no meeting' };
      }
      let started: RtkRecording;
      try {
        started = await api.startRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, ctx.cls.providerMeetingId);
      } catch (err) {
        if (err instanceof CloudflareApiError && !err.retryable) {
          await rtk.fail(recordingId, `RealtimeKit refused to start recording: ${err.message}`);
          return { outcome: 'done', detail: 'refused' };
        }
        throw err;
      }
      const state: RtkCaptureState = { rtkRecordingId: started.id };
      if (!(await deps.recordingsRepo.swapProviderState(recordingId, null, JSON.stringify(state), rtkRef(started.id)))) {
        await api.stopRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, started.id).catch(() => undefined);
        return { outcome: 'skipped', detail: 'another start won meanwhile' };
      }
      // Stopped in Aula while RealtimeKit was starting: it stops now.
      if ((await deps.recordingsRepo.get(recordingId))?.status !== 'recording') await stopRecording.run({ recordingId }, { jobId: '', attempt: 1, maxAttempts: 1, signal: new AbortController().signal });
      log.info({ recordingId, rtkRecordingId: started.id }, 'RealtimeKit recording started');
      return { outcome: 'done', detail: `RealtimeKit recording ${started.id}` };
    },
    async onExhausted({ recordingId }, error) {
      await rtk.fail(recordingId, `RealtimeKit did not start recording after ${RTK_START_MAX_ATTEMPTS} attempts: ${error.message}`);
    },
  };
}
