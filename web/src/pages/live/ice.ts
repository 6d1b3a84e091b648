import type { RoomState } from './state';

// Candidates are sent in one description (no trickle): a TURN allocation needs a little longer than host candidates.
export const gatherTimeoutMs = (state: RoomState): number => (state.iceServers.length > 0 ? 3000 : 1500);

/** Resolves once ICE gathering completes, or at the timeout: the description then carries what was gathered. */
export function waitForIce(pc: RTCPeerConnection, timeoutMs = 1500): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
