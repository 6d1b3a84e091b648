import { ConnectionState, type Participant, type RemoteTrack, Room, RoomEvent, Track } from 'livekit-client';
import { api, type Me } from '../api';
import { el, render } from '../dom';
import { errorMessage } from '../format';

/** What `GET /api/v1/live-classes/{id}/join` answers for a LiveKit class. */
export interface LiveKitJoin {
  provider: 'livekit';
  serverUrl: string;
  roomName: string;
  token: string;
  canPublish: boolean;
}

/** Chat and raised hands travel as reliable data messages in the room, one JSON object each. */
type RoomMessage = { type: 'chat'; text: string } | { type: 'hand'; raised: boolean };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type LiveKitView = ReturnType<typeof renderView>;

/** One class in a LiveKit room as the page follows it: who is there, raised hands, video tiles. */
interface RoomPage {
  room: Room;
  view: LiveKitView;
  me: Me;
  liveClassId: string;
  staff: boolean;
  hands: Set<string>;
  tiles: Map<string, HTMLElement>;
}

/** A LiveKit class in the browser: camera, microphone and screen share for those who may publish, chat and hands for all. */
export async function renderLiveKitRoom(target: HTMLElement, me: Me, liveClassId: string, join: LiveKitJoin, staff: boolean): Promise<void> {
  const view = renderView(target, join, staff);
  const page: RoomPage = { room: new Room({ adaptiveStream: true, dynacast: true }), view, me, liveClassId, staff, hands: new Set(), tiles: new Map() };
  followRoom(page);
  bindControls(page);
  const { room, view: { status } } = page;
  try {
    await room.connect(join.serverUrl, join.token);
  } catch (err) {
    status.textContent = `Could not connect to the LiveKit server: ${errorMessage(err)}`;
    status.setAttribute('data-state', 'failed');
    return;
  }
  if (join.canPublish) await room.localParticipant.enableCameraAndMicrophone().catch(() => { status.textContent = 'Connected; camera or microphone not available'; });
  showParticipants(page);
}

function renderView(target: HTMLElement, join: LiveKitJoin, staff: boolean) {
  const status = el('p', { id: 'connection-status', role: 'status' }, 'Connecting…');
  const stage = el('div', { class: 'live-stage', id: 'stage' });
  const camBtn = el('button', { type: 'button', id: 'toggle-camera', class: 'secondary' }, 'Camera off');
  const micBtn = el('button', { type: 'button', id: 'toggle-mic', class: 'secondary' }, 'Mute');
  const shareBtn = el('button', { type: 'button', id: 'share-screen', class: 'secondary' }, 'Share screen');
  const handBtn = el('button', { type: 'button', id: 'raise-hand', class: 'secondary' }, 'Raise hand');
  const leaveBtn = el('button', { type: 'button', id: 'leave', class: 'danger' }, 'Leave');
  const participants = el('ul', { id: 'participants', class: 'plain' });
  const chatLog = el('ul', { id: 'chat-log', class: 'plain', 'aria-live': 'polite' });
  const chatInput = el('input', { id: 'chat-input', type: 'text', maxlength: '2000', autocomplete: 'off', 'aria-label': 'Chat message', placeholder: 'Write a message' });
  const chatForm = el('form', { class: 'chat-form' }, chatInput, el('button', { type: 'submit' }, 'Send'));
  for (const b of [camBtn, micBtn, shareBtn]) b.hidden = !join.canPublish;
  shareBtn.hidden = !staff;
  handBtn.hidden = staff;
  render(target,
    el('div', { class: 'live-head' }, el('h1', {}, 'Live class'), status),
    el('div', { class: 'live-layout' },
      el('section', {}, stage, el('div', { class: 'live-controls' }, camBtn, micBtn, shareBtn, handBtn, leaveBtn)),
      el('aside', { class: 'live-side' },
        el('section', { class: 'card' }, el('h2', {}, 'Participants'), participants),
        el('section', { class: 'card' }, el('h2', {}, 'Chat'), chatLog, chatForm))));
  return { status, stage, camBtn, micBtn, shareBtn, handBtn, leaveBtn, participants, chatLog, chatInput, chatForm };
}

function nameOf(page: RoomPage, p: Participant | undefined): string {
  return p?.name || p?.identity || page.me.name || 'You';
}

const userIdOf = (identity: string) => (identity.startsWith('user:') ? identity.slice(5) : null);

function showParticipants(page: RoomPage): void {
  const { room, view, hands } = page;
  const people = [room.localParticipant, ...room.remoteParticipants.values()];
  view.participants.replaceChildren(...people.map((p) => {
    const item = el('li', {}, `${nameOf(page, p)}${hands.has(p.identity) ? ' ✋' : ''}`);
    const userId = userIdOf(p.identity);
    if (page.staff && p !== room.localParticipant && userId) item.append(' ', speakerButton(page, userId, p.permissions?.canPublish === true));
    return item;
  }));
}

/** Staff let a student speak (publish) or take the word back, through Aula's API. */
function speakerButton(page: RoomPage, userId: string, allowed: boolean): HTMLElement {
  const { liveClassId, view } = page;
  const btn = el('button', { type: 'button', class: 'secondary small' }, allowed ? 'Take back' : 'Let speak');
  btn.addEventListener('click', () => {
    const request = allowed ? api('DELETE', `/api/v1/live-classes/${liveClassId}/speakers/${encodeURIComponent(userId)}`) : api('POST', `/api/v1/live-classes/${liveClassId}/speakers`, { userId });
    void request.then(() => showParticipants(page), (err: unknown) => { view.status.textContent = errorMessage(err); });
  });
  return btn;
}

function addTile(page: RoomPage, key: string, media: HTMLMediaElement, label: string, screen: boolean): void {
  const tile = el('figure', { class: screen ? 'tile screen' : 'tile' }, media, el('figcaption', {}, label));
  page.tiles.set(key, tile);
  page.view.stage.append(tile);
}

function appendChat(page: RoomPage, author: string, text: string): void {
  const { chatLog } = page.view;
  chatLog.append(el('li', {}, el('strong', {}, `${author}: `), text));
  chatLog.scrollTop = chatLog.scrollHeight;
}

async function send(page: RoomPage, message: RoomMessage): Promise<void> {
  await page.room.localParticipant.publishData(encoder.encode(JSON.stringify(message)), { reliable: true, topic: message.type });
}

function onData(page: RoomPage, payload: Uint8Array, participant: Participant | undefined): void {
  let message: RoomMessage;
  try {
    message = JSON.parse(decoder.decode(payload)) as RoomMessage;
  } catch {
    return;
  }
  if (message.type === 'chat' && typeof message.text === 'string') appendChat(page, nameOf(page, participant), message.text.slice(0, 2000));
  if (message.type === 'hand' && participant) {
    if (message.raised) page.hands.add(participant.identity);
    else page.hands.delete(participant.identity);
    showParticipants(page);
  }
}

function followRoom(page: RoomPage): void {
  const { room, view, tiles } = page;
  const refresh = () => showParticipants(page);
  room
    .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
      const media = track.attach();
      if (track.kind === Track.Kind.Video) addTile(page, track.sid ?? media.id, media, nameOf(page, participant), track.source === Track.Source.ScreenShare);
      else document.body.append(media);
    })
    .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      for (const media of track.detach()) media.remove();
      const key = track.sid ?? '';
      tiles.get(key)?.remove();
      tiles.delete(key);
    })
    .on(RoomEvent.DataReceived, (payload, participant) => onData(page, payload, participant))
    .on(RoomEvent.ParticipantConnected, refresh)
    .on(RoomEvent.ParticipantDisconnected, refresh)
    .on(RoomEvent.ParticipantPermissionsChanged, () => {
      const canPublish = room.localParticipant.permissions?.canPublish === true;
      view.camBtn.hidden = !canPublish;
      view.micBtn.hidden = !canPublish;
      if (canPublish) void room.localParticipant.enableCameraAndMicrophone();
      showParticipants(page);
    })
    .on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
      view.status.textContent = state === ConnectionState.Connected ? 'Connected' : state === ConnectionState.Reconnecting ? 'Reconnecting…' : state === ConnectionState.Disconnected ? 'Disconnected' : 'Connecting…';
    });
}

function bindControls(page: RoomPage): void {
  const { room, view } = page;
  view.chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = view.chatInput.value.trim();
    if (!text) return;
    void send(page, { type: 'chat', text }).then(() => {
      appendChat(page, nameOf(page, room.localParticipant), text);
      view.chatInput.value = '';
    }, () => { view.status.textContent = 'The message was not sent; try again once connected'; });
  });
  let handRaised = false;
  view.handBtn.addEventListener('click', () => {
    handRaised = !handRaised;
    view.handBtn.textContent = handRaised ? 'Lower hand' : 'Raise hand';
    void send(page, { type: 'hand', raised: handRaised });
  });
  view.camBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isCameraEnabled;
    void room.localParticipant.setCameraEnabled(on).then(() => { view.camBtn.textContent = on ? 'Camera off' : 'Camera on'; });
  });
  view.micBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isMicrophoneEnabled;
    void room.localParticipant.setMicrophoneEnabled(on).then(() => { view.micBtn.textContent = on ? 'Mute' : 'Unmute'; });
  });
  view.shareBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isScreenShareEnabled;
    void room.localParticipant.setScreenShareEnabled(on).then(() => { view.shareBtn.textContent = on ? 'Stop sharing' : 'Share screen'; });
  });
  view.leaveBtn.addEventListener('click', () => {
    void room.disconnect().then(() => { view.status.textContent = 'You left the class'; });
  });
}
