import { ConnectionState, type Participant, type RemoteTrack, Room, RoomEvent, Track } from 'livekit-client';
import { api, type Me } from '../api';
import { el, render } from '../dom';

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

/** A LiveKit class in the browser: camera, microphone and screen share for those who may publish, chat and hands for all. */
export async function renderLiveKitRoom(target: HTMLElement, me: Me, liveClassId: string, join: LiveKitJoin, staff: boolean): Promise<void> {
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

  const room = new Room({ adaptiveStream: true, dynacast: true });
  const hands = new Set<string>();
  const tiles = new Map<string, HTMLElement>();

  const nameOf = (p: Participant | undefined) => p?.name || p?.identity || me.name || 'You';
  const userIdOf = (identity: string) => (identity.startsWith('user:') ? identity.slice(5) : null);

  function showParticipants() {
    const people = [room.localParticipant, ...room.remoteParticipants.values()];
    participants.replaceChildren(...people.map((p) => {
      const item = el('li', {}, `${nameOf(p)}${hands.has(p.identity) ? ' ✋' : ''}`);
      const userId = userIdOf(p.identity);
      if (staff && p !== room.localParticipant && userId) {
        const allowed = p.permissions?.canPublish === true;
        const btn = el('button', { type: 'button', class: 'secondary small' }, allowed ? 'Take back' : 'Let speak');
        btn.addEventListener('click', () => {
          const request = allowed ? api('DELETE', `/api/v1/live-classes/${liveClassId}/speakers/${encodeURIComponent(userId)}`) : api('POST', `/api/v1/live-classes/${liveClassId}/speakers`, { userId });
          void request.then(showParticipants, (err: unknown) => { status.textContent = err instanceof Error ? err.message : String(err); });
        });
        item.append(' ', btn);
      }
      return item;
    }));
  }

  function addTile(key: string, media: HTMLMediaElement, label: string, screen: boolean) {
    const tile = el('figure', { class: screen ? 'tile screen' : 'tile' }, media, el('figcaption', {}, label));
    tiles.set(key, tile);
    stage.append(tile);
  }

  function appendChat(author: string, text: string) {
    chatLog.append(el('li', {}, el('strong', {}, `${author}: `), text));
    chatLog.scrollTop = chatLog.scrollHeight;
  }

  async function send(message: RoomMessage) {
    await room.localParticipant.publishData(encoder.encode(JSON.stringify(message)), { reliable: true, topic: message.type });
  }

  room
    .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _pub, participant) => {
      const media = track.attach();
      if (track.kind === Track.Kind.Video) addTile(track.sid ?? media.id, media, nameOf(participant), track.source === Track.Source.ScreenShare);
      else document.body.append(media);
    })
    .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      for (const media of track.detach()) media.remove();
      const key = track.sid ?? '';
      tiles.get(key)?.remove();
      tiles.delete(key);
    })
    .on(RoomEvent.DataReceived, (payload, participant) => {
      let message: RoomMessage;
      try {
        message = JSON.parse(decoder.decode(payload)) as RoomMessage;
      } catch {
        return;
      }
      if (message.type === 'chat' && typeof message.text === 'string') appendChat(nameOf(participant), message.text.slice(0, 2000));
      if (message.type === 'hand' && participant) {
        if (message.raised) hands.add(participant.identity);
        else hands.delete(participant.identity);
        showParticipants();
      }
    })
    .on(RoomEvent.ParticipantConnected, showParticipants)
    .on(RoomEvent.ParticipantDisconnected, showParticipants)
    .on(RoomEvent.ParticipantPermissionsChanged, () => {
      const canPublish = room.localParticipant.permissions?.canPublish === true;
      camBtn.hidden = !canPublish;
      micBtn.hidden = !canPublish;
      if (canPublish) void room.localParticipant.enableCameraAndMicrophone();
      showParticipants();
    })
    .on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
      status.textContent = state === ConnectionState.Connected ? 'Connected' : state === ConnectionState.Reconnecting ? 'Reconnecting…' : state === ConnectionState.Disconnected ? 'Disconnected' : 'Connecting…';
    });

  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    void send({ type: 'chat', text }).then(() => {
      appendChat(nameOf(room.localParticipant), text);
      chatInput.value = '';
    }, () => { status.textContent = 'The message was not sent; try again once connected'; });
  });
  let handRaised = false;
  handBtn.addEventListener('click', () => {
    handRaised = !handRaised;
    handBtn.textContent = handRaised ? 'Lower hand' : 'Raise hand';
    void send({ type: 'hand', raised: handRaised });
  });
  camBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isCameraEnabled;
    void room.localParticipant.setCameraEnabled(on).then(() => { camBtn.textContent = on ? 'Camera off' : 'Camera on'; });
  });
  micBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isMicrophoneEnabled;
    void room.localParticipant.setMicrophoneEnabled(on).then(() => { micBtn.textContent = on ? 'Mute' : 'Unmute'; });
  });
  shareBtn.addEventListener('click', () => {
    const on = !room.localParticipant.isScreenShareEnabled;
    void room.localParticipant.setScreenShareEnabled(on).then(() => { shareBtn.textContent = on ? 'Stop sharing' : 'Share screen'; });
  });
  leaveBtn.addEventListener('click', () => {
    void room.disconnect().then(() => { status.textContent = 'You left the class'; });
  });

  try {
    await room.connect(join.serverUrl, join.token);
  } catch (err) {
    status.textContent = `Could not connect to the LiveKit server: ${err instanceof Error ? err.message : String(err)}`;
    status.setAttribute('data-state', 'failed');
    return;
  }
  if (join.canPublish) await room.localParticipant.enableCameraAndMicrophone().catch(() => { status.textContent = 'Connected; camera or microphone not available'; });
  showParticipants();
}
