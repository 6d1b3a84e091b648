import type { LiveClassStatus, ParticipantView, RecordingRef, SeatKind } from '../../../../src/contracts/live-signaling';

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
  /** Interactive (WebRTC) or watching the live HLS, as the room decided when this page joined. */
  seat: SeatKind;
  /** The page left the room for good (refused, removed, ended, closed). */
  stopped: boolean;
}

export function initialRoomState(): RoomState {
  return { you: null, status: 'scheduled', lessonId: null, recording: null, iceServers: [], awayUntil: null, seat: 'interactive', stopped: false };
}

export const isHost = (state: RoomState): boolean => state.you?.role === 'host';
export const canSpeak = (state: RoomState): boolean => isHost(state) || state.you?.canSpeak === true;
