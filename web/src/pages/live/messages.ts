import type { ServerMessage } from '../../../../src/contracts/live-signaling';
import type { AudiencePlayer } from './audience';
import type { ChatOutbox } from './chat-outbox';
import type { Publisher } from './publisher';
import type { Signaling } from './signaling';
import { canSpeak, type RoomState } from './state';
import type { Subscriber } from './subscriber';
import type { LiveView } from './view';

type Message<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** How the page follows what the room tells it. */
export class ServerMessages {
  constructor(
    private readonly state: RoomState,
    private readonly view: LiveView,
    private readonly signaling: Signaling,
    private readonly publisher: Publisher,
    private readonly subscriber: Subscriber,
    private readonly audience: AudiencePlayer,
    private readonly outbox: ChatOutbox,
  ) {}

  async handle(msg: ServerMessage): Promise<void> {
    const { state, view } = this;
    switch (msg.type) {
      case 'welcome':
        return this.welcome(msg);
      case 'participants':
        view.renderParticipants(msg.participants);
        return;
      case 'chat':
        this.outbox.confirm(msg.message);
        view.addChat(msg.message);
        return;
      case 'class':
        state.status = msg.status;
        view.renderControls();
        view.renderStagePlaceholder();
        return;
      case 'recording':
        state.recording = msg.recording;
        view.renderControls();
        return;
      case 'publish-answer':
        return this.publisher.acceptAnswer(msg.description);
      case 'subscriber-offer':
        return this.subscriber.acceptOffer(msg.description, msg.tracks);
      case 'permissions':
        return this.permissions(msg);
      case 'watch-only':
        state.seat = 'watch-only';
        view.showWatchNotice(msg.message);
        if (msg.stream) this.audience.play(msg.stream);
        else this.audience.stop();
        return;
      case 'seated':
        // Let to speak: the room gives this page a seat; its offer and the permission to speak follow.
        state.seat = 'interactive';
        this.audience.stop();
        view.showWatchNotice(null);
        view.say(msg.message);
        return;
      case 'host-away':
        state.awayUntil = msg.until;
        if (!msg.until) view.say('');
        return;
      case 'ended':
        view.say(msg.reason);
        return;
      case 'removed':
      case 'error':
        view.say(msg.message, 'error');
        return;
    }
  }

  private async welcome(msg: Message<'welcome'>): Promise<void> {
    const { state, view } = this;
    this.signaling.phase = 'joined';
    state.you = msg.you;
    state.seat = msg.you.seat;
    if (state.seat === 'interactive') {
      this.audience.stop();
      view.showWatchNotice(null);
    }
    state.status = msg.liveClass.status;
    state.lessonId = msg.liveClass.lessonId;
    state.recording = msg.recording;
    state.awayUntil = msg.hostAwayUntil;
    state.iceServers = msg.iceServers ?? [];
    view.title.textContent = msg.liveClass.title;
    document.title = `${msg.liveClass.title} · Aula`;
    view.connState.textContent = 'Connected';
    view.say('');
    view.chatLog.replaceChildren();
    for (const m of msg.chat) view.addChat(m);
    this.outbox.rejoined(msg.chat);
    view.renderParticipants(msg.participants);
    view.renderStagePlaceholder();
    if (canSpeak(state)) await this.publisher.publish();
  }

  private async permissions(msg: Message<'permissions'>): Promise<void> {
    const { state, view, publisher } = this;
    if (!state.you) return;
    const couldSpeak = canSpeak(state);
    state.you = { ...state.you, canSpeak: msg.canSpeak, audioMuted: msg.audioMuted };
    publisher.setMuted(msg.audioMuted);
    if (!couldSpeak && canSpeak(state)) {
      view.say('The instructor lets you speak: your microphone is on.');
      await publisher.publish();
    } else if (couldSpeak && !canSpeak(state)) {
      view.say('The instructor took back the word.');
      publisher.dropMicrophone();
    } else if (msg.audioMuted) view.say('You are muted.');
    view.renderControls();
  }
}
