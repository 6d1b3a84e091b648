import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { EgressCaptureState } from '../../../domain/providers/livekit/egress';

/** The egress state of a recording, read and replaced as a compare-and-set so concurrent events apply once. */
export function captureStates(repo: Pick<RecordingRepository, 'getProviderState' | 'swapProviderState'>) {
  return {
    async read(recordingId: string): Promise<{ raw: string | null; state: EgressCaptureState | null }> {
      const raw = await repo.getProviderState(recordingId);
      return { raw, state: raw ? (JSON.parse(raw) as EgressCaptureState) : null };
    },
    /** False when someone else changed it meanwhile. */
    async replace(recordingId: string, raw: string | null, next: EgressCaptureState): Promise<boolean> {
      return repo.swapProviderState(recordingId, raw, JSON.stringify(next), next.egressId ? `livekit:${next.egressId}` : undefined);
    },
  };
}

export type CaptureStates = ReturnType<typeof captureStates>;
