import type { EventEmitter } from 'node:events';
import type { PublishedTrack } from '../../adapters/sfu/sfu';
import type { ChatMessage, RoomRole } from '../../contracts/live-signaling';

export interface RoomTrack {
  track: PublishedTrack;
  participantId: string;
  participantName: string;
  role: RoomRole;
}

/**
 * Whose pictures a recording takes: the instructor's camera and screen. A student's camera, when they have the
 * word, is seen live only. The room keeps the current picture of exactly these tracks for recorders.
 */
export function isRecordedPicture(role: RoomRole): boolean {
  return role === 'host';
}

export interface RecordableRoomEvents {
  track: [RoomTrack];
  'track-ended': [RoomTrack];
  chat: [ChatMessage];
  /** The instructor paused or resumed the recording: its capture writes nothing while paused. */
  'recording-paused': [{ recordingId: string; paused: boolean }];
  closed: [];
}

/** What a recorder sees of a room: its live tracks and chat as they come and go. */
export interface RecordableRoom extends EventEmitter<RecordableRoomEvents> {
  readonly liveClassId: string;
  liveTracks(): RoomTrack[];
}

export interface RoomRecorderPort {
  /** Starts capturing a recording of the room; calling it again for the same recording does nothing. */
  start(room: RecordableRoom, recording: { id: string; startedAt: string; paused: boolean }): Promise<void>;
}
