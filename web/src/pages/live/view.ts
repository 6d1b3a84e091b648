import type { ChatMessage, ClientCommand, ParticipantView, SignaledTrack } from '../../../../src/contracts/live-signaling';
import { el, render } from '../../dom';
import { canSpeak, isHost, type RoomState } from './state';

/** What the controls show of this page's own media. */
export interface LocalMediaStatus {
  sharingScreen: boolean;
  hasMicrophone: boolean;
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
  readonly handBtn = el('button', { type: 'button', id: 'raise-hand', class: 'secondary', hidden: '' }, 'Raise hand');

  readonly participantsList = el('ul', { id: 'participants', class: 'plain' });
  readonly chatLog = el('ul', { id: 'chat-log', class: 'plain', 'aria-live': 'polite' });
  readonly chatInput = el('input', { id: 'chat-input', type: 'text', maxlength: '2000', placeholder: 'Write a message', autocomplete: 'off', 'aria-label': 'Chat message' });
  readonly chatSend = el('button', { type: 'submit', id: 'chat-send' }, 'Send');
  readonly chatForm = el('form', { class: 'chat-form' }, this.chatInput, this.chatSend);

  constructor(
    target: HTMLElement,
    private readonly state: RoomState,
    private readonly localMedia: () => LocalMediaStatus,
    private readonly send: (command: ClientCommand) => void,
  ) {
    const controls = el('div', { class: 'live-controls' }, this.startBtn, this.endBtn, this.recordBtn, this.pauseBtn, this.shareBtn, this.muteBtn, this.handBtn);
    render(
      target,
      el('div', { class: 'live-head' }, this.title, this.statusBadge, this.recBadge, this.connState),
      this.message,
      this.watchNotice,
      el('div', { class: 'live-layout' },
        el('section', {}, this.stage, this.audioSink, controls),
        el('aside', { class: 'live-side' },
          el('section', { class: 'card' }, el('h2', {}, 'Participants'), this.participantsList),
          el('section', { class: 'card' }, el('h2', {}, 'Chat'), this.chatLog, this.chatForm),
        ),
      ),
    );
  }

  say(text: string, kind: 'info' | 'error' = 'info'): void {
    this.message.textContent = text;
    this.message.className = kind === 'error' ? 'error' : '';
  }

  showWatchNotice(text: string | null): void {
    this.watchNotice.hidden = !text;
    this.watchNotice.textContent = text ?? '';
  }

  showLessonLink(): void {
    const { lessonId } = this.state;
    if (!lessonId) return;
    this.message.append(' ', el('a', { href: `/lessons/${encodeURIComponent(lessonId)}` }, 'Go to the lesson page'));
  }

  renderControls(): void {
    const { state } = this;
    const host = isHost(state);
    const media = this.localMedia();
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
    this.muteBtn.hidden = state.stopped || !canSpeak(state) || !media.hasMicrophone;
    this.muteBtn.textContent = state.you?.audioMuted ? 'Unmute' : 'Mute';
    this.handBtn.hidden = host || !state.you || !inClass;
    this.handBtn.textContent = state.you?.handRaised ? 'Lower hand' : 'Raise hand';
    // The chat takes messages only while the class is live, and says why otherwise (nothing typed is lost to it).
    this.chatInput.disabled = !inClass;
    this.chatSend.disabled = !inClass;
    this.chatInput.placeholder = inClass ? 'Write a message' : state.stopped || state.status !== 'scheduled' ? 'The chat is closed' : 'The chat opens when the class starts';
    if (state.stopped) this.participantsList.replaceChildren();
    this.renderStagePlaceholder();
  }

  renderParticipants(list: ParticipantView[]): void {
    const { state } = this;
    if (state.stopped) return;
    const mine = list.find((p) => p.id === state.you?.id);
    if (mine && state.you) state.you = { ...state.you, ...mine };
    this.participantsList.replaceChildren(...list.map((p) => this.participantItem(p)));
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
      allow.addEventListener('click', () => this.send({ type: 'allow-speak', participantId: p.id, allowed: !p.canSpeak }));
      const mute = el('button', { type: 'button', class: 'small secondary mute' }, 'Mute');
      mute.addEventListener('click', () => this.send({ type: 'mute', participantId: p.id }));
      const remove = el('button', { type: 'button', class: 'small danger remove' }, 'Remove');
      remove.addEventListener('click', () => {
        if (confirm(`Remove ${p.name} from the class?`)) this.send({ type: 'remove', participantId: p.id });
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
    const hasVideo = stage.querySelector('video');
    const placeholder = stage.querySelector('.placeholder');
    if (hasVideo && placeholder) placeholder.remove();
    if (hasVideo) return;
    const { status, stopped } = this.state;
    const text = status === 'ended' ? 'The class has ended' : stopped ? 'You are no longer in this class' : status === 'live' ? 'Waiting for video…' : 'The class has not started yet';
    if (placeholder) placeholder.textContent = text;
    else stage.append(el('p', { class: 'placeholder' }, text));
  }

  showLocalPreview(track: MediaStreamTrack | undefined): void {
    if (!track || this.stage.querySelector('video.local')) return;
    const v = el('video', { class: 'local', muted: '', autoplay: '', playsinline: '' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    this.stage.prepend(el('div', { class: 'tile' }, v, el('span', {}, 'You')));
    this.renderStagePlaceholder();
  }

  removeLocalPreview(): void {
    this.stage.querySelector('div.tile:has(video.local)')?.remove();
  }

  /** A remote track's element: audio plays hidden, video gets a labelled tile (a screen share first). */
  remoteTile(mid: string, track: MediaStreamTrack, info: SignaledTrack | undefined): HTMLElement {
    if (track.kind === 'audio') {
      const a = el('audio', { class: 'remote-audio', autoplay: '', 'data-mid': mid });
      a.srcObject = new MediaStream([track]);
      this.audioSink.append(a);
      void a.play().catch(() => undefined);
      return a;
    }
    const v = el('video', { class: 'remote', autoplay: '', playsinline: '', muted: '', 'data-mid': mid, 'data-source': info?.source ?? 'camera', 'data-participant': info?.peerId ?? '' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    const tile = el('div', { class: 'tile', 'data-mid': mid }, v, el('span', {}, `${info?.participantName ?? ''}${info?.source === 'screen' ? ' · screen' : ''}`));
    if (info?.source === 'screen') this.stage.prepend(tile);
    else this.stage.append(tile);
    void v.play().catch(() => undefined);
    this.renderStagePlaceholder();
    return tile;
  }
}
