import type { ChatMessage, ClientCommand, ParticipantView, SignaledTrack } from '../../../../src/contracts/live-signaling';
import { el, render } from '../../dom';
import { DevicePicker } from './devices';
import { type FarewellKind, FarewellPage } from './farewell';
import { RaisedHands } from './hands';
import type { DeviceKind } from './local-media';
import { ShareBanner } from './share-banner';
import { canSpeak, isHost, type RoomState } from './state';
import { RoomTabs } from './tabs';
import { StageTiles } from './tiles';

/** What the controls show of this page's own media. */
export interface LocalMediaStatus {
  sharingScreen: boolean;
  /** The shared screen, for the sharer's own preview; null while not sharing. */
  screenTrack: MediaStreamTrack | null;
  hasMicrophone: boolean;
  cameraOn: boolean;
}

/** What the view asks of the rest of the page. */
export interface LiveViewHooks {
  localMedia(): LocalMediaStatus;
  send(command: ClientCommand): void;
  deviceInUse(kind: DeviceKind): string | null;
  chooseDevice(kind: DeviceKind, deviceId: string): void;
}

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The live page's elements and how they show the room's state. */
export class LiveView {
  readonly title = el('h1', {}, 'Live class');
  readonly statusBadge = el('span', { class: 'badge', id: 'class-status' }, '…');
  readonly recBadge = el('span', { class: 'badge recording', id: 'recording-status', hidden: '' }, 'Recording');
  readonly connState = el('span', { class: 'muted', id: 'connection-status' }, 'Connecting…');
  readonly message = el('p', { id: 'live-message', role: 'alert' });
  /** For a watch-only participant: what they watch (the live stream, a few seconds behind) or why nothing. */
  readonly watchNotice = el('p', { id: 'watch-notice', role: 'status', hidden: '' });
  readonly stage = el('div', { class: 'live-stage', id: 'stage' }, el('p', { class: 'placeholder' }, 'Waiting for video…'));
  readonly audioSink = el('div', { hidden: '' });

  readonly startBtn = el('button', { type: 'button', id: 'start-class', hidden: '' }, 'Start class');
  readonly endBtn = el('button', { type: 'button', id: 'end-class', class: 'danger', hidden: '' }, 'End class');
  readonly recordBtn = el('button', { type: 'button', id: 'record-toggle', class: 'secondary', hidden: '' }, 'Start recording');
  readonly pauseBtn = el('button', { type: 'button', id: 'record-pause', class: 'secondary', hidden: '' }, 'Pause recording');
  readonly shareBtn = el('button', { type: 'button', id: 'share-screen', class: 'secondary', hidden: '' }, 'Share screen');
  readonly muteBtn = el('button', { type: 'button', id: 'mute-self', class: 'secondary', hidden: '' }, 'Mute');
  readonly cameraBtn = el('button', { type: 'button', id: 'camera-toggle', class: 'secondary', hidden: '' }, 'Turn camera on');
  readonly handBtn = el('button', { type: 'button', id: 'raise-hand', class: 'secondary', hidden: '' }, 'Raise hand');
  readonly leaveBtn = el('button', { type: 'button', id: 'leave-class', class: 'secondary', hidden: '' }, 'Leave');
  readonly tiles = new StageTiles(this.stage);
  readonly shareBanner = new ShareBanner();
  readonly hands = new RaisedHands();
  readonly devices: DevicePicker;
  readonly farewell: FarewellPage;
  private readonly layout: HTMLElement;
  private readonly tabs: RoomTabs;

  readonly participantsList = el('ul', { id: 'participants', class: 'plain' });
  readonly chatLog = el('ul', { id: 'chat-log', class: 'plain', 'aria-live': 'polite' });
  readonly chatInput = el('input', { id: 'chat-input', type: 'text', maxlength: '2000', placeholder: 'Write a message', autocomplete: 'off', 'aria-label': 'Chat message' });
  readonly chatSend = el('button', { type: 'submit', id: 'chat-send' }, 'Send');
  readonly chatForm = el('form', { class: 'chat-form' }, this.chatInput, this.chatSend);

  constructor(
    target: HTMLElement,
    liveClassId: string,
    private readonly state: RoomState,
    private readonly hooks: LiveViewHooks,
  ) {
    this.devices = new DevicePicker((kind) => hooks.deviceInUse(kind), (kind, id) => hooks.chooseDevice(kind, id));
    this.farewell = new FarewellPage(liveClassId);
    const controls = el('div', { class: 'live-controls' }, this.startBtn, this.endBtn, this.recordBtn, this.pauseBtn, this.shareBtn, this.muteBtn, this.cameraBtn, this.handBtn, this.leaveBtn);
    const video = el('section', { 'aria-label': 'Video' }, this.shareBanner.root, this.stage, this.audioSink, controls, this.devices.root);
    const people = el('section', { class: 'card' }, el('h2', {}, 'Participants ', this.hands.count), this.hands.list, this.participantsList);
    const chat = el('section', { class: 'card' }, el('h2', {}, 'Chat'), this.chatLog, this.chatForm);
    this.layout = el('div', { class: 'live-layout' }, video, el('aside', { class: 'live-side' }, people, chat));
    this.tabs = new RoomTabs(this.layout, { video, chat, people });
    render(target, el('div', { class: 'live-head' }, this.title, this.statusBadge, this.recBadge, this.connState), this.message, this.watchNotice, this.tabs.bar, this.layout, this.farewell.root);
  }

  /** The room gives way to a page saying why this page left it; `rejoin` offers to come back. */
  showFarewell(kind: FarewellKind, rejoin: (() => void) | null): void {
    this.farewell.show(kind, this.state.lessonId, rejoin);
    this.layout.hidden = true;
    this.tabs.bar.hidden = true;
    this.shareBanner.show(null);
    this.hands.clear();
  }

  hideFarewell(): void {
    this.farewell.hide();
    this.layout.hidden = false;
    this.tabs.bar.hidden = false;
  }

  say(text: string, kind: 'info' | 'error' = 'info'): void {
    this.message.textContent = text;
    this.message.className = kind === 'error' ? 'error' : '';
  }

  showWatchNotice(text: string | null): void {
    this.watchNotice.hidden = !text;
    this.watchNotice.textContent = text ?? '';
  }

  renderControls(): void {
    const { state } = this;
    const host = isHost(state);
    const media = this.hooks.localMedia();
    this.statusBadge.textContent = state.status;
    this.statusBadge.className = `badge ${state.status}`;
    this.recBadge.hidden = !state.recording;
    this.recBadge.textContent = state.recording?.paused ? 'Recording paused' : 'Recording';
    this.recBadge.classList.toggle('paused', state.recording?.paused === true);
    // Only what the room allows now is offered: nothing once the page has left the room for good (ended, removed).
    const inClass = !state.stopped && state.status === 'live';
    this.startBtn.hidden = !host || state.stopped || state.status !== 'scheduled';
    this.endBtn.hidden = !host || !inClass;
    this.recordBtn.hidden = !host || !inClass;
    this.recordBtn.textContent = state.recording ? 'Stop recording' : 'Start recording';
    this.pauseBtn.hidden = !host || !inClass || !state.recording;
    this.pauseBtn.textContent = state.recording?.paused ? 'Resume recording' : 'Pause recording';
    this.shareBtn.hidden = !host || !inClass;
    this.shareBtn.textContent = media.sharingScreen ? 'Stop sharing' : 'Share screen';
    this.shareBanner.show(inClass ? media.screenTrack : null);
    this.muteBtn.hidden = state.stopped || !canSpeak(state) || !media.hasMicrophone;
    this.muteBtn.textContent = state.you?.audioMuted ? 'Unmute' : 'Mute';
    this.muteBtn.setAttribute('aria-pressed', String(state.you?.audioMuted === true));
    const mayPublish = inClass && state.seat === 'interactive' && canSpeak(state);
    this.cameraBtn.hidden = !mayPublish;
    this.cameraBtn.textContent = media.cameraOn ? 'Turn camera off' : 'Turn camera on';
    this.devices.show(mayPublish);
    this.leaveBtn.hidden = !state.you || state.stopped;
    this.handBtn.hidden = host || !state.you || !inClass;
    this.handBtn.textContent = state.you?.handRaised ? 'Lower hand' : 'Raise hand';
    // The chat takes messages only while the class is live, and says why otherwise (nothing typed is lost to it).
    this.chatInput.disabled = !inClass;
    this.chatSend.disabled = !inClass;
    this.chatInput.placeholder = inClass ? 'Write a message' : state.stopped || state.status !== 'scheduled' ? 'The chat is closed' : 'The chat opens when the class starts';
    if (state.stopped) {
      this.participantsList.replaceChildren();
      this.hands.clear();
    }
    this.renderStagePlaceholder();
  }

  renderParticipants(list: ParticipantView[]): void {
    const { state } = this;
    if (state.stopped) return;
    const mine = list.find((p) => p.id === state.you?.id);
    if (mine && state.you) state.you = { ...state.you, ...mine };
    this.participantsList.replaceChildren(...list.map((p) => this.participantItem(p)));
    this.hands.render(list, isHost(state));
    this.renderControls();
  }

  private participantItem(p: ParticipantView): HTMLElement {
    const li = el('li', { 'data-id': p.id, 'data-role': p.role, 'data-seat': p.seat, class: p.handRaised ? 'hand-raised' : '' },
      el('span', { class: 'name' }, `${p.name}${p.id === this.state.you?.id ? ' (you)' : ''}`),
      el('span', { class: 'muted' }, p.role === 'host' ? 'instructor' : p.canSpeak ? 'speaking' : p.seat === 'watch-only' ? 'watching the stream' : ''),
    );
    if (p.handRaised) li.append(el('span', { class: 'hand', title: 'Hand raised', 'aria-label': 'Hand raised' }, '✋'));
    if (p.audioMuted) li.append(el('span', { class: 'muted', title: 'Muted' }, '🔇'));
    if (isHost(this.state) && p.role === 'student') {
      const allow = el('button', { type: 'button', class: 'small secondary allow-speak' }, p.canSpeak ? 'Take back' : 'Let speak');
      allow.addEventListener('click', () => this.hooks.send({ type: 'allow-speak', participantId: p.id, allowed: !p.canSpeak }));
      const mute = el('button', { type: 'button', class: 'small secondary mute' }, 'Mute');
      mute.addEventListener('click', () => this.hooks.send({ type: 'mute', participantId: p.id }));
      const remove = el('button', { type: 'button', class: 'small danger remove' }, 'Remove');
      remove.addEventListener('click', () => {
        if (confirm(`Remove ${p.name} from the class?`)) this.hooks.send({ type: 'remove', participantId: p.id });
      });
      li.append(allow, mute, remove);
    }
    return li;
  }

  addChat(m: ChatMessage): void {
    const { chatLog } = this;
    if (chatLog.querySelector(`[data-id="${CSS.escape(m.id)}"]`)) return;
    const item = el('li', { class: 'chat-message', 'data-id': m.id }, el('time', { datetime: m.at }, timeOf(m.at)), el('span', { class: 'author' }, m.author), el('span', { class: 'text' }, m.text));
    // The sender's own message was shown as on its way; it takes that place once the room has it.
    const pending = m.clientId ? chatLog.querySelector(`[data-client-id="${CSS.escape(m.clientId)}"]`) : null;
    if (pending) return pending.replaceWith(item);
    this.appendChatItem(item);
    if (m.authorId !== this.state.you?.id) this.tabs.markUnread('chat');
  }

  /** A message of this page's the room has not confirmed yet: shown at once, marked as sending. */
  addPendingChat(clientId: string, text: string): void {
    if (this.chatLog.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`)) return;
    this.appendChatItem(el('li', { class: 'chat-message pending', 'data-client-id': clientId },
      el('span', { class: 'sending' }, 'Sending…'), el('span', { class: 'author' }, this.state.you?.name ?? 'You'), el('span', { class: 'text' }, text)));
  }

  private appendChatItem(item: HTMLElement): void {
    const { chatLog } = this;
    const atBottom = chatLog.scrollTop + chatLog.clientHeight >= chatLog.scrollHeight - 8;
    chatLog.append(item);
    if (atBottom) chatLog.scrollTop = chatLog.scrollHeight;
  }

  renderStagePlaceholder(): void {
    const { stage } = this;
    this.tiles.layout();
    const hasVideo = stage.querySelector('video');
    const placeholder = stage.querySelector('.placeholder');
    if (hasVideo && placeholder) placeholder.remove();
    if (hasVideo) return;
    const { status, stopped } = this.state;
    const text = status === 'ended' ? 'The class has ended' : stopped ? 'You are no longer in this class' : status === 'live' ? 'Waiting for video…' : 'The class has not started yet';
    if (placeholder) placeholder.textContent = text;
    else stage.append(el('p', { class: 'placeholder' }, text));
  }

  /** This page's own camera on the stage (null takes it away); a switched camera replaces the picture in place. */
  showLocalPreview(track: MediaStreamTrack | null): void {
    const current = this.stage.querySelector<HTMLVideoElement>('video.local');
    if (!track) return this.removeLocalPreview();
    if (current) {
      const [shown] = (current.srcObject as MediaStream | null)?.getVideoTracks() ?? [];
      if (shown !== track) current.srcObject = new MediaStream([track]);
      return;
    }
    const v = el('video', { class: 'local', muted: '', autoplay: '', playsinline: '', 'data-source': 'camera' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    this.stage.prepend(this.tiles.tile('local:camera', v, 'You'));
    this.tiles.layout();
    this.renderStagePlaceholder();
  }

  removeLocalPreview(): void {
    this.stage.querySelector('div.tile:has(video.local)')?.remove();
    this.tiles.layout();
    this.renderStagePlaceholder();
  }

  /** A remote track's element: audio plays hidden, video gets a labelled tile (a screen share first, shown large). */
  remoteTile(mid: string, track: MediaStreamTrack, info: SignaledTrack | undefined): HTMLElement {
    if (track.kind === 'audio') {
      const a = el('audio', { class: 'remote-audio', autoplay: '', 'data-mid': mid });
      a.srcObject = new MediaStream([track]);
      this.audioSink.append(a);
      void a.play().catch(() => undefined);
      return a;
    }
    const source = info?.source ?? 'camera';
    const v = el('video', { class: 'remote', autoplay: '', playsinline: '', muted: '', 'data-mid': mid, 'data-source': source, 'data-participant': info?.peerId ?? '' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    const label = `${info?.participantName ?? 'Someone'}${source === 'screen' ? ' · screen' : ''}`;
    const tile = this.tiles.tile(`${info?.peerId ?? mid}:${source}`, v, label);
    tile.dataset.mid = mid;
    tile.dataset.source = source;
    if (source === 'screen') this.stage.prepend(tile);
    else this.stage.append(tile);
    void v.play().catch(() => undefined);
    this.tiles.layout();
    this.renderStagePlaceholder();
    return tile;
  }
}
