import { getToken, type Me } from '../api';
import { el, render } from '../dom';

type TrackSource = 'camera' | 'microphone' | 'screen';
type ClassStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

interface Description { type: 'offer' | 'answer'; sdp: string }
interface ParticipantView {
  id: string; name: string; role: 'host' | 'student'; connected: boolean; handRaised: boolean; canSpeak: boolean; audioMuted: boolean;
  joinedAt: string | null; publishing: TrackSource[];
}
interface ChatMessage { id: string; at: string; authorId: string; author: string; text: string }
interface TrackInfo { mid: string; trackId: string; peerId: string; kind: 'audio' | 'video'; source: TrackSource; participantName: string }
interface RecordingRef { id: string; startedAt: string }

type ServerMessage =
  | { type: 'welcome'; you: ParticipantView; liveClass: { id: string; title: string; status: ClassStatus; autoRecord: boolean; lessonId: string | null }; participants: ParticipantView[]; chat: ChatMessage[]; recording: RecordingRef | null; hostAwayUntil: string | null; iceServers: RTCIceServer[] }
  | { type: 'participants'; participants: ParticipantView[] }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'class'; status: ClassStatus }
  | { type: 'recording'; recording: RecordingRef | null }
  | { type: 'publish-answer'; description: Description }
  | { type: 'subscriber-offer'; description: Description; tracks: TrackInfo[] }
  | { type: 'permissions'; canSpeak: boolean; audioMuted: boolean }
  | { type: 'host-away'; until: string | null }
  | { type: 'ended'; reason: string }
  | { type: 'removed'; message: string }
  | { type: 'error'; code: string; message: string };

/** What tests and curious engineers can reach from the console. */
export interface LiveDebugHandle {
  readonly publisher: RTCPeerConnection | null;
  readonly subscriber: RTCPeerConnection | null;
  readonly socket: WebSocket | null;
  readonly state: string;
  readonly reconnects: number;
}

declare global {
  interface Window {
    aulaLive?: LiveDebugHandle;
  }
}

const STYLE = `
.live-head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; }
.live-head h1 { margin: 0; }
.live-layout { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 1rem; align-items: start; margin-top: 1rem; }
.live-stage { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); background: #1d2330; border-radius: 8px; padding: .5rem; min-height: 240px; }
.live-stage video { width: 100%; aspect-ratio: 16 / 9; background: #000; border-radius: 6px; object-fit: contain; }
.live-stage video[data-source="screen"] { grid-column: 1 / -1; }
.live-stage .tile { position: relative; }
.live-stage .tile span { position: absolute; left: .4rem; bottom: .4rem; background: rgba(0,0,0,.6); color: #fff; font-size: .8em; padding: .05rem .4rem; border-radius: 4px; }
.live-stage .placeholder { color: #c8ccd8; padding: 2rem; text-align: center; grid-column: 1 / -1; }
.live-controls { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .75rem; }
.live-side { display: grid; gap: 1rem; }
.live-side h2 { font-size: 1rem; margin: 0 0 .5rem; }
#participants li { display: flex; flex-wrap: wrap; align-items: center; gap: .3rem; padding: .3rem 0; border-bottom: 1px solid #eef0f5; }
#participants li .name { flex: 1; }
#participants li .hand { font-size: 1.1em; }
#chat-log { max-height: 320px; overflow-y: auto; margin: 0 0 .5rem; }
#chat-log li { padding: .2rem 0; }
#chat-log .author { font-weight: 600; margin-right: .3rem; }
#chat-log time { color: #6b7385; font-size: .8em; margin-right: .3rem; }
.chat-form { display: flex; gap: .4rem; }
.chat-form input { flex: 1; min-width: 0; }
#live-message:empty { display: none; }
#live-message { padding: .6rem .8rem; border-radius: 6px; background: #fff3bf; margin: .5rem 0; }
#live-message.error { background: #ffe3e3; color: #a61e1e; }
@media (max-width: 800px) { .live-layout { grid-template-columns: 1fr; } }
`;

function injectStyle(): void {
  if (document.getElementById('live-page-style')) return;
  const style = document.createElement('style');
  style.id = 'live-page-style';
  style.textContent = STYLE;
  document.head.append(style);
}

function waitForIce(pc: RTCPeerConnection, timeoutMs = 1500): Promise<void> {
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

function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Close codes the room uses (see the signaling route). */
const CLOSE = { replaced: 4000, removed: 4001, ended: 4002, serverClosing: 4003, unauthenticated: 4401, forbidden: 4403, notFound: 4404, notStarted: 4409, classOver: 4410 } as const;

/**
 * The live class page: the instructor starts the class, publishes camera and microphone, shares the
 * screen and runs the room; students watch, chat, raise their hand and speak when allowed. Lost
 * connections (socket or media) rejoin by themselves.
 */
export async function renderLivePage(target: HTMLElement, me: Me, liveClassId: string): Promise<void> {
  injectStyle();
  const title = el('h1', {}, 'Live class');
  const statusBadge = el('span', { class: 'badge', id: 'class-status' }, '…');
  const recBadge = el('span', { class: 'badge recording', id: 'recording-status', hidden: '' }, 'Recording');
  const connState = el('span', { class: 'muted', id: 'connection-status' }, 'Connecting…');
  const message = el('p', { id: 'live-message', role: 'alert' });
  const stage = el('div', { class: 'live-stage', id: 'stage' }, el('p', { class: 'placeholder' }, 'Waiting for video…'));
  const audioSink = el('div', { hidden: '' });

  const startBtn = el('button', { type: 'button', id: 'start-class', hidden: '' }, 'Start class');
  const endBtn = el('button', { type: 'button', id: 'end-class', class: 'danger', hidden: '' }, 'End class');
  const recordBtn = el('button', { type: 'button', id: 'record-toggle', class: 'secondary', hidden: '' }, 'Start recording');
  const shareBtn = el('button', { type: 'button', id: 'share-screen', class: 'secondary', hidden: '' }, 'Share screen');
  const muteBtn = el('button', { type: 'button', id: 'mute-self', class: 'secondary', hidden: '' }, 'Mute');
  const handBtn = el('button', { type: 'button', id: 'raise-hand', class: 'secondary', hidden: '' }, 'Raise hand');
  const controls = el('div', { class: 'live-controls' }, startBtn, endBtn, recordBtn, shareBtn, muteBtn, handBtn);

  const participantsList = el('ul', { id: 'participants', class: 'plain' });
  const chatLog = el('ul', { id: 'chat-log', class: 'plain', 'aria-live': 'polite' });
  const chatInput = el('input', { id: 'chat-input', type: 'text', maxlength: '2000', placeholder: 'Write a message', autocomplete: 'off', 'aria-label': 'Chat message' });
  const chatForm = el('form', { class: 'chat-form' }, chatInput, el('button', { type: 'submit', id: 'chat-send' }, 'Send'));

  render(
    target,
    el('div', { class: 'live-head' }, title, statusBadge, recBadge, connState),
    message,
    el('div', { class: 'live-layout' },
      el('section', {}, stage, audioSink, controls),
      el('aside', { class: 'live-side' },
        el('section', { class: 'card' }, el('h2', {}, 'Participants'), participantsList),
        el('section', { class: 'card' }, el('h2', {}, 'Chat'), chatLog, chatForm),
      ),
    ),
  );

  // ---------------------------------------------------------------- state
  let ws: WebSocket | null = null;
  let pub: RTCPeerConnection | null = null;
  let sub: RTCPeerConnection | null = null;
  let you: ParticipantView | null = null;
  let status: ClassStatus = 'scheduled';
  let lessonId: string | null = null;
  let recording: RecordingRef | null = null;
  /** The server's STUN/TURN servers, from its welcome; every new peer connection uses them. */
  let iceServers: RTCIceServer[] = [];
  // Candidates are sent in one description (no trickle): a TURN allocation needs a little longer than host candidates.
  const gatherTimeoutMs = () => (iceServers.length > 0 ? 3000 : 1500);
  let state = 'connecting';
  let reconnects = 0;
  let stopped = false;
  let retryTimer: number | null = null;
  let local: MediaStream | null = null;
  let screen: MediaStream | null = null;
  const transceivers: Partial<Record<TrackSource, RTCRtpTransceiver>> = {};
  const sharingSources = new Set<TrackSource>();
  const trackInfo = new Map<string, TrackInfo>();
  const tiles = new Map<string, HTMLElement>();
  let disconnectedSince = 0;
  let publishing: Promise<void> = Promise.resolve();
  let awayUntil: string | null = null;
  /** The last refusal or farewell the server sent, shown when it closes the socket. */
  let lastNotice: string | null = null;

  window.aulaLive = {
    get publisher() { return pub; },
    get subscriber() { return sub; },
    get socket() { return ws; },
    get state() { return state; },
    get reconnects() { return reconnects; },
  };

  const say = (text: string, kind: 'info' | 'error' = 'info') => {
    message.textContent = text;
    message.className = kind === 'error' ? 'error' : '';
  };
  const send = (msg: unknown) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };
  const isHost = () => you?.role === 'host';
  const canSpeak = () => isHost() || you?.canSpeak === true;

  // ---------------------------------------------------------------- rendering
  function renderControls() {
    const host = isHost();
    statusBadge.textContent = status;
    statusBadge.className = `badge ${status}`;
    recBadge.hidden = !recording;
    startBtn.hidden = !host || status !== 'scheduled';
    endBtn.hidden = !host || status !== 'live';
    recordBtn.hidden = !host || status !== 'live';
    recordBtn.textContent = recording ? 'Stop recording' : 'Start recording';
    shareBtn.hidden = !host || status !== 'live';
    shareBtn.textContent = sharingSources.has('screen') ? 'Stop sharing' : 'Share screen';
    muteBtn.hidden = !canSpeak() || !local?.getAudioTracks().length;
    muteBtn.textContent = you?.audioMuted ? 'Unmute' : 'Mute';
    handBtn.hidden = host || !you;
    handBtn.textContent = you?.handRaised ? 'Lower hand' : 'Raise hand';
  }

  function renderParticipants(list: ParticipantView[]) {
    const mine = list.find((p) => p.id === you?.id);
    if (mine && you) you = { ...you, ...mine };
    participantsList.replaceChildren(
      ...list.map((p) => {
        const li = el('li', { 'data-id': p.id, 'data-role': p.role, class: p.handRaised ? 'hand-raised' : '' },
          el('span', { class: 'name' }, `${p.name}${p.id === you?.id ? ' (you)' : ''}`),
          el('span', { class: 'muted' }, p.role === 'host' ? 'instructor' : p.canSpeak ? 'speaking' : ''),
        );
        if (p.handRaised) li.append(el('span', { class: 'hand', title: 'Hand raised', 'aria-label': 'Hand raised' }, '✋'));
        if (p.audioMuted) li.append(el('span', { class: 'muted', title: 'Muted' }, '🔇'));
        if (isHost() && p.role === 'student') {
          const allow = el('button', { type: 'button', class: 'small secondary allow-speak' }, p.canSpeak ? 'Take back' : 'Let speak');
          allow.addEventListener('click', () => send({ type: 'allow-speak', participantId: p.id, allowed: !p.canSpeak }));
          const mute = el('button', { type: 'button', class: 'small secondary mute' }, 'Mute');
          mute.addEventListener('click', () => send({ type: 'mute', participantId: p.id }));
          const remove = el('button', { type: 'button', class: 'small danger remove' }, 'Remove');
          remove.addEventListener('click', () => {
            if (confirm(`Remove ${p.name} from the class?`)) send({ type: 'remove', participantId: p.id });
          });
          li.append(allow, mute, remove);
        }
        return li;
      }),
    );
    renderControls();
  }

  function addChat(m: ChatMessage) {
    if (chatLog.querySelector(`[data-id="${CSS.escape(m.id)}"]`)) return;
    const atBottom = chatLog.scrollTop + chatLog.clientHeight >= chatLog.scrollHeight - 8;
    chatLog.append(el('li', { class: 'chat-message', 'data-id': m.id }, el('time', { datetime: m.at }, timeOf(m.at)), el('span', { class: 'author' }, m.author), el('span', { class: 'text' }, m.text)));
    if (atBottom) chatLog.scrollTop = chatLog.scrollHeight;
  }

  function renderStagePlaceholder() {
    const hasVideo = stage.querySelector('video');
    const placeholder = stage.querySelector('.placeholder');
    if (hasVideo && placeholder) placeholder.remove();
    if (!hasVideo && !placeholder) stage.append(el('p', { class: 'placeholder' }, status === 'live' ? 'Waiting for video…' : 'The class has not started yet'));
  }

  function showLocalPreview() {
    const track = local?.getVideoTracks()[0];
    if (!track || stage.querySelector('video.local')) return;
    const v = el('video', { class: 'local', muted: '', autoplay: '', playsinline: '' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    stage.prepend(el('div', { class: 'tile' }, v, el('span', {}, 'You')));
    renderStagePlaceholder();
  }

  // ---------------------------------------------------------------- media: publishing
  async function ensureLocalMedia(): Promise<void> {
    const wantVideo = isHost();
    const hasVideo = (local?.getVideoTracks().length ?? 0) > 0;
    const hasAudio = (local?.getAudioTracks().length ?? 0) > 0;
    if ((hasVideo || !wantVideo) && hasAudio) return;
    try {
      const got = await navigator.mediaDevices.getUserMedia({ video: wantVideo && !hasVideo ? { width: { ideal: 1280 }, height: { ideal: 720 } } : false, audio: !hasAudio });
      local ??= new MediaStream();
      for (const t of got.getTracks()) local.addTrack(t);
      if (you?.audioMuted) for (const t of local.getAudioTracks()) t.enabled = false;
    } catch (err) {
      say(`Your camera or microphone is not available: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }

  function publisherConnection(): RTCPeerConnection {
    if (pub) return pub;
    pub = new RTCPeerConnection({ iceServers });
    for (const s of Object.keys(transceivers) as TrackSource[]) delete transceivers[s];
    return pub;
  }

  function setSenderTrack(source: TrackSource, track: MediaStreamTrack | null, stream: MediaStream | null): boolean {
    const pc = publisherConnection();
    const existing = transceivers[source];
    if (existing) {
      void existing.sender.replaceTrack(track);
      return false;
    }
    if (!track) return false;
    transceivers[source] = pc.addTransceiver(track, { direction: 'sendonly', streams: stream ? [stream] : [] });
    return true;
  }

  /** (Re)offers the publish side with what this participant may send now. */
  function publish(): Promise<void> {
    publishing = publishing.then(doPublish).catch((err: unknown) => say(`Could not publish your media: ${err instanceof Error ? err.message : String(err)}`, 'error'));
    return publishing;
  }

  async function doPublish(): Promise<void> {
    if (!you || stopped) return;
    const wantMic = canSpeak();
    if (!isHost() && !wantMic) {
      unpublishSource('microphone');
      return;
    }
    await ensureLocalMedia();
    let changed = false;
    const cam = isHost() ? local?.getVideoTracks()[0] ?? null : null;
    const mic = wantMic ? local?.getAudioTracks()[0] ?? null : null;
    if (cam) changed = setSenderTrack('camera', cam, local) || changed;
    if (mic) changed = setSenderTrack('microphone', mic, local) || changed;
    const screenTrack = screen?.getVideoTracks()[0] ?? null;
    if (screenTrack) changed = setSenderTrack('screen', screenTrack, screen) || changed;
    if (cam) sharingSources.add('camera');
    if (mic) sharingSources.add('microphone');
    if (screenTrack) sharingSources.add('screen');
    showLocalPreview();
    const pc = publisherConnection();
    if (!changed && pc.remoteDescription) {
      sendSources();
      return;
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitForIce(pc, gatherTimeoutMs());
    const sdp = pc.localDescription;
    if (!sdp) return;
    send({ type: 'publish', description: { type: 'offer', sdp: sdp.sdp }, sources: currentSources(false) });
    renderControls();
  }

  function currentSources(withNulls: true): Record<string, TrackSource | null>;
  function currentSources(withNulls: false): Record<string, TrackSource>;
  function currentSources(withNulls: boolean): Record<string, TrackSource | null> {
    const out: Record<string, TrackSource | null> = {};
    for (const [source, t] of Object.entries(transceivers) as Array<[TrackSource, RTCRtpTransceiver]>) {
      if (!t.mid) continue;
      if (sharingSources.has(source)) out[t.mid] = source;
      else if (withNulls) out[t.mid] = null;
    }
    return out;
  }

  function sendSources() {
    send({ type: 'sources', sources: currentSources(true) });
  }

  function unpublishSource(source: TrackSource) {
    if (!sharingSources.delete(source)) return;
    const t = transceivers[source];
    if (t) void t.sender.replaceTrack(null);
    sendSources();
    renderControls();
  }

  async function toggleScreen() {
    if (sharingSources.has('screen')) {
      for (const t of screen?.getTracks() ?? []) t.stop();
      screen = null;
      unpublishSource('screen');
      return;
    }
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      say(`Screen sharing did not start: ${err instanceof Error ? err.message : String(err)}`, 'error');
      return;
    }
    const track = screen.getVideoTracks()[0];
    track?.addEventListener('ended', () => {
      if (screen?.getVideoTracks()[0] === track) {
        screen = null;
        unpublishSource('screen');
      }
    });
    await publish();
  }

  // ---------------------------------------------------------------- media: receiving
  function subscriberConnection(): RTCPeerConnection {
    if (sub) return sub;
    const pc = new RTCPeerConnection({ iceServers });
    pc.addEventListener('track', (e) => {
      const mid = e.transceiver.mid;
      if (!mid) return;
      const info = trackInfo.get(mid);
      attachRemote(mid, e.track, info);
    });
    sub = pc;
    return pc;
  }

  function attachRemote(mid: string, track: MediaStreamTrack, info: TrackInfo | undefined) {
    tiles.get(mid)?.remove();
    if (track.kind === 'audio') {
      const a = el('audio', { class: 'remote-audio', autoplay: '', 'data-mid': mid });
      a.srcObject = new MediaStream([track]);
      audioSink.append(a);
      tiles.set(mid, a);
      void a.play().catch(() => undefined);
      return;
    }
    const v = el('video', { class: 'remote', autoplay: '', playsinline: '', muted: '', 'data-mid': mid, 'data-source': info?.source ?? 'camera', 'data-participant': info?.peerId ?? '' });
    v.muted = true;
    v.srcObject = new MediaStream([track]);
    const tile = el('div', { class: 'tile', 'data-mid': mid }, v, el('span', {}, `${info?.participantName ?? ''}${info?.source === 'screen' ? ' · screen' : ''}`));
    if (info?.source === 'screen') stage.prepend(tile);
    else stage.append(tile);
    tiles.set(mid, tile);
    void v.play().catch(() => undefined);
    renderStagePlaceholder();
  }

  async function onSubscriberOffer(description: Description, tracks: TrackInfo[]) {
    const pc = subscriberConnection();
    const wanted = new Set(tracks.map((t) => t.mid));
    for (const t of tracks) trackInfo.set(t.mid, t);
    await pc.setRemoteDescription(description);
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForIce(pc, gatherTimeoutMs());
    const sdp = pc.localDescription;
    if (sdp) send({ type: 'subscriber-answer', description: { type: 'answer', sdp: sdp.sdp } });
    // Tracks that left the offer (a screen share that stopped, a participant who left) leave the stage.
    for (const [mid, tile] of tiles) {
      if (!wanted.has(mid)) {
        tile.remove();
        tiles.delete(mid);
        trackInfo.delete(mid);
      }
    }
    for (const t of pc.getTransceivers()) {
      const mid = t.mid;
      if (mid && wanted.has(mid) && !tiles.has(mid) && t.receiver.track.readyState === 'live') attachRemote(mid, t.receiver.track, trackInfo.get(mid));
    }
    renderStagePlaceholder();
  }

  // ---------------------------------------------------------------- connection
  function teardownMedia() {
    pub?.close();
    sub?.close();
    pub = null;
    sub = null;
    for (const s of Object.keys(transceivers) as TrackSource[]) delete transceivers[s];
    for (const tile of tiles.values()) tile.remove();
    tiles.clear();
    trackInfo.clear();
    stage.querySelector('div.tile:has(video.local)')?.remove();
    renderStagePlaceholder();
  }

  function stopEverything(text: string, kind: 'info' | 'error' = 'info') {
    stopped = true;
    state = 'stopped';
    if (retryTimer !== null) clearTimeout(retryTimer);
    teardownMedia();
    for (const t of [...(local?.getTracks() ?? []), ...(screen?.getTracks() ?? [])]) t.stop();
    local = null;
    screen = null;
    connState.textContent = '';
    say(text, kind);
    renderControls();
  }

  function scheduleReconnect(delayMs: number) {
    if (stopped || retryTimer !== null) return;
    state = 'reconnecting';
    connState.textContent = 'Reconnecting…';
    retryTimer = window.setTimeout(() => {
      retryTimer = null;
      connect();
    }, delayMs);
  }

  /** Media that stops flowing rejoins with fresh connections, without reloading the page. */
  function rejoin(reason: string) {
    if (stopped || state === 'reconnecting') return;
    reconnects++;
    connState.textContent = `Reconnecting (${reason})…`;
    const socket = ws;
    ws = null;
    socket?.close(1000, 'rejoining');
    teardownMedia();
    scheduleReconnect(300);
  }

  const watchdog = window.setInterval(() => {
    if (stopped || state !== 'joined') return;
    const states = [pub?.connectionState, sub?.connectionState].filter((s): s is RTCPeerConnectionState => s !== undefined);
    if (states.some((s) => s === 'failed' || s === 'closed')) {
      rejoin('media connection lost');
      return;
    }
    if (states.some((s) => s === 'disconnected')) {
      disconnectedSince ||= Date.now();
      if (Date.now() - disconnectedSince > 4000) rejoin('media connection interrupted');
    } else disconnectedSince = 0;
    if (awayUntil) {
      const left = Math.max(0, Math.round((Date.parse(awayUntil) - Date.now()) / 1000));
      say(`The instructor's connection dropped. The class waits ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} for them to come back.`);
    }
  }, 1000);

  function connect() {
    if (stopped) return;
    const token = getToken();
    if (!token) {
      stopEverything('Sign in to join this class.', 'error');
      return;
    }
    state = 'connecting';
    lastNotice = null;
    connState.textContent = 'Connecting…';
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${proto}//${location.host}/api/v1/live-classes/${encodeURIComponent(liveClassId)}/signal?token=${encodeURIComponent(token)}`);
    ws = socket;
    socket.addEventListener('message', (ev) => {
      if (ws !== socket) return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'error' || msg.type === 'ended' || msg.type === 'removed') lastNotice = msg.type === 'ended' ? msg.reason : msg.message;
      void onMessage(msg).catch((err: unknown) => say(err instanceof Error ? err.message : String(err), 'error'));
    });
    socket.addEventListener('close', (ev) => {
      if (ws !== socket) return;
      ws = null;
      teardownMedia();
      switch (ev.code) {
        case CLOSE.notStarted:
          state = 'waiting';
          connState.textContent = '';
          say(lastNotice ?? 'The class has not started yet; this page joins when it starts.');
          scheduleReconnect(3000);
          return;
        case CLOSE.forbidden:
        case CLOSE.notFound:
        case CLOSE.unauthenticated:
          stopEverything(lastNotice ?? 'You cannot join this class.', 'error');
          return;
        case CLOSE.removed:
          stopEverything(lastNotice ?? 'The instructor removed you from this class.', 'error');
          return;
        case CLOSE.replaced:
          stopEverything('You joined this class from another window; this one has left.');
          return;
        case CLOSE.ended:
        case CLOSE.classOver:
          status = 'ended';
          stopEverything(`${lastNotice ?? ev.reason ?? 'The class has ended.'}`);
          showLessonLink();
          return;
        default:
          reconnects++;
          scheduleReconnect(Math.min(5000, 500 * reconnects));
      }
    });
  }

  function showLessonLink() {
    if (!lessonId) return;
    message.append(' ', el('a', { href: `/lessons/${encodeURIComponent(lessonId)}` }, 'Go to the lesson page'));
  }

  async function onMessage(msg: ServerMessage): Promise<void> {
    switch (msg.type) {
      case 'welcome':
        state = 'joined';
        you = msg.you;
        status = msg.liveClass.status;
        lessonId = msg.liveClass.lessonId;
        recording = msg.recording;
        awayUntil = msg.hostAwayUntil;
        iceServers = msg.iceServers ?? [];
        title.textContent = msg.liveClass.title;
        document.title = `${msg.liveClass.title} · Aula`;
        connState.textContent = 'Connected';
        say('');
        chatLog.replaceChildren();
        for (const m of msg.chat) addChat(m);
        renderParticipants(msg.participants);
        renderStagePlaceholder();
        if (canSpeak()) await publish();
        return;
      case 'participants':
        renderParticipants(msg.participants);
        return;
      case 'chat':
        addChat(msg.message);
        return;
      case 'class':
        status = msg.status;
        renderControls();
        renderStagePlaceholder();
        return;
      case 'recording':
        recording = msg.recording;
        renderControls();
        return;
      case 'publish-answer':
        if (pub && pub.signalingState === 'have-local-offer') await pub.setRemoteDescription(msg.description);
        sendSources();
        return;
      case 'subscriber-offer':
        await onSubscriberOffer(msg.description, msg.tracks);
        return;
      case 'permissions': {
        if (!you) return;
        const couldSpeak = canSpeak();
        you = { ...you, canSpeak: msg.canSpeak, audioMuted: msg.audioMuted };
        for (const t of local?.getAudioTracks() ?? []) t.enabled = !msg.audioMuted;
        if (!couldSpeak && canSpeak()) {
          say('The instructor lets you speak: your microphone is on.');
          await publish();
        } else if (couldSpeak && !canSpeak()) {
          say('The instructor took back the word.');
          unpublishSource('microphone');
          for (const t of local?.getAudioTracks() ?? []) {
            t.stop();
            local?.removeTrack(t);
          }
        } else if (msg.audioMuted) say('You are muted.');
        renderControls();
        return;
      }
      case 'host-away':
        awayUntil = msg.until;
        if (!msg.until) say('');
        return;
      case 'ended':
        say(msg.reason);
        return;
      case 'removed':
        say(msg.message, 'error');
        return;
      case 'error':
        say(msg.message, 'error');
        return;
    }
  }

  // ---------------------------------------------------------------- controls
  startBtn.addEventListener('click', () => send({ type: 'start-class' }));
  endBtn.addEventListener('click', () => {
    if (confirm('End the class for everyone?')) send({ type: 'end-class' });
  });
  recordBtn.addEventListener('click', () => send({ type: 'record', action: recording ? 'stop' : 'start' }));
  shareBtn.addEventListener('click', () => void toggleScreen());
  muteBtn.addEventListener('click', () => send({ type: 'set-muted', muted: !you?.audioMuted }));
  handBtn.addEventListener('click', () => send({ type: 'raise-hand', raised: !you?.handRaised }));
  chatForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = chatInput.value.trim();
    if (!text) return;
    send({ type: 'chat', text });
    chatInput.value = '';
  });

  window.addEventListener('pagehide', () => {
    clearInterval(watchdog);
    stopped = true;
    ws?.close(1000, 'page closed');
  }, { once: true });

  void me;
  connect();
}
