import { isoNow } from '../../../../adapters/clock';
import { LiveKitApiError } from '../../../../domain/providers/livekit/api-error';
import { type EgressCaptureState, type EgressInfo, egressPrefix } from '../../../../domain/providers/livekit/egress';
import type { JobHandler } from '../../../../jobs/queue';
import type { EgressContext } from '../egress-context';
import type { EgressJobsDeps } from '../egress-jobs';

const SEGMENT_SECONDS = 4;
/** A room made for recording waits this long for its first participant before LiveKit closes it. */
const ROOM_EMPTY_TIMEOUT_SECONDS = 600;

/** `livekit.start-egress`: asks LiveKit to record the class's room, once per attempt, and schedules its check. */
export function startEgressJob(
  deps: Pick<EgressJobsDeps, 'api' | 'states' | 'recordingsRepo' | 'queue' | 'startTimeoutMs' | 'clock' | 'log'>,
  egress: EgressContext,
  maxAttempts: number,
): JobHandler<'livekit.start-egress'> {
  const { api, states, log } = deps;
  return {
    async run({ recordingId }) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec) return { outcome: 'skipped', detail: 'the recording no longer exists' };
      const { raw, state } = await states.read(recordingId);
      if (state?.egressId) return { outcome: 'skipped', detail: `egress ${state.egressId} already started` };
      if (rec.status !== 'recording') {
        if (rec.status === 'processing') await egress.fail(recordingId, 'The recording was stopped before LiveKit started recording it, so nothing was captured.');
        return { outcome: 'skipped', detail: `recording is ${rec.status}` };
      }
      const ctx = await egress.contextOf(rec);
      if (!ctx) {
        await egress.fail(recordingId, 'The class\'s LiveKit account was removed, so its egress could not be started.');
        return { outcome: 'done', detail: 'no LiveKit account' };
      }
      const attempt = state?.attempt ?? 1;
      const prefix = egressPrefix(recordingId, attempt);
      const out = egress.outputsOf(ctx.account, prefix);
      let info: EgressInfo;
      try {
        await api.ensureRoom(ctx.account.credentials, ctx.roomName, ROOM_EMPTY_TIMEOUT_SECONDS);
        info = await api.startRoomCompositeEgress(ctx.account.credentials, { roomName: ctx.roomName, prefix: out.requestPrefix, segmentSeconds: SEGMENT_SECONDS, destination: out.destination });
      } catch (err) {
        if (err instanceof LiveKitApiError && !err.retryable) {
          await egress.fail(recordingId, `LiveKit refused to start recording: ${err.message}`);
          return { outcome: 'done', detail: 'refused' };
        }
        throw err;
      }
      const next: EgressCaptureState = { egressId: info.egressId, status: info.status, attempt, prefix, startedAt: isoNow(deps.clock), error: null };
      if (!(await states.replace(recordingId, raw, next))) {
        await api.stopEgress(ctx.account.credentials, info.egressId).catch(() => undefined);
        return { outcome: 'skipped', detail: 'another start won meanwhile' };
      }
      await deps.queue.enqueue('livekit.check-egress', { recordingId }, { dedupeKey: `livekit-check:${recordingId}:${attempt}`, delayMs: deps.startTimeoutMs });
      // Stopped while the egress was being started: it stops now.
      if ((await deps.recordingsRepo.get(recordingId))?.status !== 'recording') await deps.queue.enqueue('livekit.stop-egress', { recordingId }, { dedupeKey: `livekit-stop:${recordingId}` });
      log.info({ recordingId, egressId: info.egressId, attempt }, 'LiveKit egress started');
      return { outcome: 'done', detail: `egress ${info.egressId}` };
    },
    async onExhausted({ recordingId }, error) {
      await egress.fail(recordingId, `LiveKit did not start recording after ${maxAttempts} attempts: ${error.message}`);
    },
  };
}
