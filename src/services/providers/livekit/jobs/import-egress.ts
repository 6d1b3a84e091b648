import { isoNow } from '../../../../adapters/clock';
import type { JobHandler } from '../../../../jobs/queue';
import { ACTOR, type EgressContext } from '../egress-context';
import { publishEgress } from '../egress-import';
import type { EgressJobsDeps } from '../egress-jobs';

/** `livekit.import-egress`: a complete egress becomes the recording's first rendition and the source of the rest. */
export function importEgressJob(
  deps: Pick<EgressJobsDeps, 'states' | 'recordings' | 'recordingsRepo' | 'storage' | 'readStoredText' | 'probe' | 'scratch' | 'clock' | 'log'>,
  egress: EgressContext,
): JobHandler<'livekit.import-egress'> {
  const { states, recordings, log } = deps;
  return {
    async run({ recordingId }, jobCtx) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec || rec.status !== 'processing' || rec.media) return { outcome: 'skipped', detail: `recording is ${rec?.status ?? 'gone'}` };
      const { state } = await states.read(recordingId);
      if (state?.status !== 'EGRESS_COMPLETE') return { outcome: 'skipped', detail: 'the egress is not complete' };
      const ctx = await egress.contextOf(rec);
      if (!ctx) return { outcome: 'skipped', detail: 'the account is gone' };
      const out = egress.outputsOf(ctx.account, state.prefix);
      const published = await deps.scratch(jobCtx.jobId, (dir) => publishEgress({ storage: deps.storage, readStoredText: deps.readStoredText, probe: deps.probe, log }, recordingId, { store: out.store, prefix: state.prefix }, dir));
      if (!published.source) {
        await recordings.transition(recordingId, { to: 'ready' }, ACTOR, 'LiveKit egress playable (no MP4 was made, so no other renditions follow)', { media: published.media, metadata: published.metadata, processingError: null, progress: { stage: 'done', percent: 100 } });
        return { outcome: 'done', detail: 'published without an MP4' };
      }
      await recordings.finishLive(recordingId, ACTOR, 'LiveKit egress imported', {
        media: published.media, metadata: published.metadata, sourceKey: published.source.key, sourceSize: published.source.size, chatKey: null, endedAt: rec.endedAt ?? isoNow(deps.clock),
      });
      await recordings.queueLiveProcessing(recordingId);
      return { outcome: 'done', detail: `playable from ${published.media.renditions.length} egress rendition` };
    },
    async onExhausted({ recordingId }, error) {
      await egress.fail(recordingId, `Aula could not import LiveKit's recording: ${error.message}`);
    },
  };
}
