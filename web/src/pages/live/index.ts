import type { Me } from '../../api';
import { AudiencePlayer } from './audience';
import { ChatOutbox } from './chat-outbox';
import { MediaWatch } from './media-watch';
import { ServerMessages } from './messages';
import { Publisher } from './publisher';
import { Signaling } from './signaling';
import { initialRoomState, type RoomState } from './state';
import { injectStyle } from './style';
import { Subscriber } from './subscriber';
import { LiveView } from './view';

/** What tests and curious engineers can reach from the console. */
export interface LiveDebugHandle {
  readonly publisher: RTCPeerConnection | null;
  readonly subscriber: RTCPeerConnection | null;
  readonly socket: WebSocket | null;
  readonly state: string;
  readonly reconnects: number;
  /** The live stream's video of a watch-only participant, else null. */
  readonly audienceVideo: HTMLVideoElement | null;
  readonly seat: string;
  /** How many raised hands this page announced by sound. */
  readonly handAlerts: number;
}

declare global {
  interface Window {
    aulaLive?: LiveDebugHandle;
  }
}

/**
 * The live class page: the instructor starts the class, publishes camera and microphone, shares the
 * screen and runs the room; students watch, chat, raise their hand and speak when allowed. Lost
 * connections (socket or media) rejoin by themselves.
 */
export async function renderLivePage(target: HTMLElement, me: Me, liveClassId: string): Promise<void> {
  injectStyle();
  const state = initialRoomState();
  const send: Signaling['send'] = (command) => signaling.send(command);
  const view = new LiveView(target, liveClassId, state, {
    localMedia: () => publisher.status(),
    send,
    deviceInUse: (kind) => publisher.local.deviceOf(kind),
    chooseDevice: (kind, deviceId) => void publisher.useDevice(kind, deviceId),
  });
  const publisher = new Publisher(state, {
    send,
    say: (text, kind) => view.say(text, kind),
    renderControls: () => {
      view.renderControls();
      void view.devices.refresh();
    },
    showLocalPreview: (track) => view.showLocalPreview(track),
  });
  const subscriber = new Subscriber(state, view, send);
  const audience = new AudiencePlayer(liveClassId, { stage: view.stage, renderStagePlaceholder: () => view.renderStagePlaceholder() });
  const teardownMedia = () => {
    publisher.closeConnection();
    subscriber.close();
    audience.stop();
    view.removeLocalPreview();
    view.renderStagePlaceholder();
  };
  const signaling: Signaling = new Signaling(liveClassId, state, view, {
    onMessage: (msg) => messages.handle(msg),
    teardownMedia,
    stopEverything(text, kind = 'info', farewell) {
      signaling.halt();
      teardownMedia();
      publisher.stopMedia();
      view.connState.textContent = '';
      view.showWatchNotice(null);
      view.say(text, kind);
      view.renderControls();
      if (farewell) view.showFarewell(farewell, null);
    },
  });
  // Leave: out of the room at once (the others see this page go), with a way back in.
  const leave = () => {
    signaling.leaveRoom();
    teardownMedia();
    publisher.stopMedia();
    view.connState.textContent = '';
    view.say('');
    view.renderControls();
    view.showFarewell('left', () => {
      view.hideFarewell();
      signaling.resume();
    });
  };
  const outbox = new ChatOutbox(send, view, () => signaling.phase === 'joined' && signaling.socket?.readyState === WebSocket.OPEN);
  const messages = new ServerMessages(state, view, signaling, publisher, subscriber, audience, outbox);

  window.aulaLive = {
    get publisher() { return publisher.pc; },
    get subscriber() { return subscriber.pc; },
    get socket() { return signaling.socket; },
    get state() { return signaling.phase; },
    get reconnects() { return signaling.reconnects; },
    get audienceVideo() { return audience.element; },
    get seat() { return state.seat; },
    get handAlerts() { return view.hands.alerts; },
  };

  const watchdog = startWatchdog(state, view, signaling, () => [publisher.pc, subscriber.pc], () => subscriber.pc);
  bindControls(state, view, send, outbox, publisher);
  view.leaveBtn.addEventListener('click', leave);

  window.addEventListener('pagehide', () => {
    clearInterval(watchdog);
    signaling.leave();
  }, { once: true });

  void me;
  signaling.connect();
}

/** Once a second: rejoin when media stops flowing, and count down the instructor's grace period. */
function startWatchdog(state: RoomState, view: LiveView, signaling: Signaling, connections: () => Array<RTCPeerConnection | null>, receiving: () => RTCPeerConnection | null): number {
  let disconnectedSince = 0;
  const media = new MediaWatch();
  return window.setInterval(() => {
    if (state.stopped || signaling.phase !== 'joined') return;
    void media.check(receiving()).then((stuck) => {
      if (stuck && !state.stopped && signaling.phase === 'joined') signaling.rejoin('a subscribed video never started');
    });
    const states = connections().map((pc) => pc?.connectionState).filter((s): s is RTCPeerConnectionState => s !== undefined);
    if (states.some((s) => s === 'failed' || s === 'closed')) {
      signaling.rejoin('media connection lost');
      return;
    }
    if (states.some((s) => s === 'disconnected')) {
      disconnectedSince ||= Date.now();
      if (Date.now() - disconnectedSince > 4000) signaling.rejoin('media connection interrupted');
    } else disconnectedSince = 0;
    if (state.awayUntil) {
      const left = Math.max(0, Math.round((Date.parse(state.awayUntil) - Date.now()) / 1000));
      view.say(`The instructor's connection dropped. The class waits ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} for them to come back.`);
    }
  }, 1000);
}

function bindControls(state: RoomState, view: LiveView, send: Signaling['send'], outbox: ChatOutbox, publisher: Publisher): void {
  const toggleScreen = () => void publisher.toggleScreen();
  view.startBtn.addEventListener('click', () => send({ type: 'start-class' }));
  view.endBtn.addEventListener('click', () => {
    if (confirm('End the class for everyone?')) send({ type: 'end-class' });
  });
  view.recordBtn.addEventListener('click', () => send({ type: 'record', action: state.recording ? 'stop' : 'start' }));
  view.pauseBtn.addEventListener('click', () => send({ type: 'record', action: state.recording?.paused ? 'resume' : 'pause' }));
  view.shareBtn.addEventListener('click', toggleScreen);
  view.shareBanner.stopBtn.addEventListener('click', toggleScreen);
  view.cameraBtn.addEventListener('click', () => void publisher.setCamera(!publisher.status().cameraOn));
  view.muteBtn.addEventListener('click', () => send({ type: 'set-muted', muted: !state.you?.audioMuted }));
  view.handBtn.addEventListener('click', () => send({ type: 'raise-hand', raised: !state.you?.handRaised }));
  view.chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = view.chatInput.value.trim();
    if (!text || view.chatInput.disabled) return;
    outbox.submit(text);
    view.chatInput.value = '';
  });
}
