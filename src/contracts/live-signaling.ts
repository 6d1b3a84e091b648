/**
 * The native live room's signaling protocol: the JSON messages a browser and its room exchange on the
 * WebSocket `/api/v1/live-classes/{id}/signal`. The server validates what arrives (zod, checked against
 * `ClientCommand`) and the browser reads what the server sends as `ServerMessage`.
 */

export type TrackSource = 'camera' | 'microphone' | 'screen';
export type MediaKind = 'audio' | 'video';
export type RoomRole = 'host' | 'student';
/**
 * How a participant takes part: `interactive` holds one of the room's WebRTC seats; `watch-only` (students beyond
 * the seats) receives no WebRTC and watches the live HLS of the class's recording, with the same chat and hands.
 */
export type SeatKind = 'interactive' | 'watch-only';
/** A live class's status, as the domain's state machine names it (the room checks the two agree). */
export type LiveClassStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

/** A STUN or TURN server, in the shape RTCPeerConnection takes it (browsers and werift alike). */
export interface IceServer {
  urls: string | string[];
  username?: string | undefined;
  credential?: string | undefined;
}

export interface ChatMessage {
  id: string;
  at: string;
  authorId: string;
  author: string;
  text: string;
  /** The sender's own id for the message, so a message resent after a lost connection is shown once. */
  clientId?: string | undefined;
}

export interface ParticipantView {
  id: string;
  name: string;
  role: RoomRole;
  connected: boolean;
  handRaised: boolean;
  /** When the hand went up (hands are answered in this order); null while it is down. */
  handRaisedAt: string | null;
  canSpeak: boolean;
  audioMuted: boolean;
  joinedAt: string | null;
  publishing: TrackSource[];
  seat: SeatKind;
}

/** A track as one subscriber receives it: the mid of its m-section on the subscribe connection. */
export interface SubscribedTrack {
  mid: string;
  trackId: string;
  peerId: string;
  kind: MediaKind;
  source: TrackSource;
}

/** A subscribed track as the page shows it, labelled with its publisher's name. */
export interface SignaledTrack extends SubscribedTrack {
  participantName: string;
}

export interface RecordingRef {
  id: string;
  startedAt: string;
  /** Paused by the instructor: nothing is recorded until they resume. */
  paused: boolean;
}

/**
 * The live HLS of a class's current recording for its watch-only audience (also `GET /api/v1/live-classes/{id}/audience`).
 * The URL is the same for every viewer until `expiresAt`; the page renews it before then.
 */
export interface AudienceStream {
  recordingId: string;
  /** The master playlist; its renditions and segments are relative to it and carry the same token. */
  url: string;
  expiresAt: string;
}

export interface RoomClassInfo {
  id: string;
  title: string;
  status: LiveClassStatus;
  autoRecord: boolean;
  lessonId: string | null;
}

/** Every message a client may send. */
export type ClientCommand =
  | { type: 'publish'; description: SessionDescription; sources: Record<string, TrackSource> }
  | { type: 'sources'; sources: Record<string, TrackSource | null> }
  | { type: 'subscriber-answer'; description: SessionDescription }
  | { type: 'resubscribe'; iceRestart?: boolean | undefined }
  | { type: 'chat'; text: string; clientId?: string | undefined }
  | { type: 'raise-hand'; raised: boolean }
  | { type: 'start-class' }
  | { type: 'end-class' }
  | { type: 'record'; action: 'start' | 'stop' | 'pause' | 'resume' }
  | { type: 'allow-speak'; participantId: string; allowed: boolean }
  | { type: 'mute'; participantId: string }
  | { type: 'set-muted'; muted: boolean }
  | { type: 'remove'; participantId: string };

/** Every message the room sends. */
export type ServerMessage =
  | {
      type: 'welcome';
      you: ParticipantView;
      liveClass: RoomClassInfo;
      participants: ParticipantView[];
      chat: ChatMessage[];
      recording: RecordingRef | null;
      hostAwayUntil: string | null;
      /** STUN/TURN servers for the page's peer connections. */
      iceServers: IceServer[];
    }
  /**
   * To a watch-only participant, after the welcome and whenever the class's recording starts or stops: the stream
   * to watch, or null (with why) when nothing is being recorded and so nothing can be watched.
   */
  | { type: 'watch-only'; stream: AudienceStream | null; message: string }
  /** A watch-only participant moved to a seat (let to speak): the page leaves the HLS and joins over WebRTC. */
  | { type: 'seated'; message: string }
  | { type: 'participants'; participants: ParticipantView[] }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'class'; status: LiveClassStatus }
  /** The class's recording started, stopped, paused or resumed. */
  | { type: 'recording'; recording: RecordingRef | null }
  | { type: 'publish-answer'; description: SessionDescription }
  | { type: 'subscriber-offer'; description: SessionDescription; tracks: SignaledTrack[] }
  | { type: 'permissions'; canSpeak: boolean; audioMuted: boolean }
  | { type: 'host-away'; until: string | null }
  | { type: 'ended'; reason: string }
  | { type: 'removed'; message: string }
  | { type: 'error'; code: string; message: string };
