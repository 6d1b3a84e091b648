import type { LiveClassStatus, ParticipantView, RecordingRef } from '../../../../src/contracts/live-signaling';

/** What the page knows of the room, from the server's welcome and the messages after it. */
export interface RoomState {
  you: ParticipantView | null;
  status: LiveClassStatus;
  lessonId: string | null;
  recording: RecordingRef | null;
  /** The server's STUN/TURN servers, from its welcome; every new peer connection uses them. */
  iceServers: RTCIceServer[];
  /** While the instructor is away: when the class ends unless they come back. */
  awayUntil: string | null;
  /** The page left the room for good (refused, removed, ended, closed). */
  stopped: boolean;
}

export function initialRoomState(): RoomState {
  return { you: null, status: 'scheduled', lessonId: null, recording: null, iceServers: [], awayUntil: null, stopped: false };
}

export const isHost = (state: RoomState): boolean => state.you?.role === 'host';
export const canSpeak = (state: RoomState): boolean => isHost(state) || state.you?.canSpeak === true;

// Candidates are sent in one description (no trickle): a TURN allocation needs a little longer than host candidates.
export const gatherTimeoutMs = (state: RoomState): number => (state.iceServers.length > 0 ? 3000 : 1500);

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

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
