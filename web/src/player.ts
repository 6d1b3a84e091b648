import type { ErrorData, Level } from 'hls.js';
import Hls from 'hls.js/light';
import { api, getToken } from './api';
import { el } from './dom';
import { clamp, formatClock } from './format';
import { icon } from './icons';
import type { HeartbeatResult, Playback } from './types';
import { type ChatCue, type ThumbnailCue, lastStartedAt, parseChat, parseThumbnails } from './vtt';

declare global {
  interface Window {
    /** The open player, for automation and debugging: the hls.js instance (null when the browser plays HLS itself) and the video element. */
    aulaPlayer?: { hls: Hls | null; video: HTMLVideoElement };
  }
}

export interface PlayerOptions {
  recordingId: string;
  title: string;
  subtitle?: string;
  playback: Playback;
  /** Where to resume, in seconds; null or small values start at the beginning. */
  resumeAt: number | null;
  durationHint: number | null;
  analyticsHref?: string | null;
  /** Issues fresh signed URLs when the old ones expire during a long session. */
  refreshPlayback(): Promise<Playback>;
  onProgress?(result: HeartbeatResult, position: number): void;
}

export interface PlayerHandle {
  element: HTMLElement;
  video: HTMLVideoElement;
  play(): void;
  destroy(): void;
}

export const SPEEDS = [0.75, 1, 1.25, 1.5, 2] as const;
const SPEED_KEY = 'aula.speed';
const HEARTBEAT_MS = 10_000;

/** A uuid-shaped random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newSessionId(): string {
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The recording player: HLS through hls.js (or the browser's own HLS), quality and speed choices, a seek bar with
 * thumbnail previews, chat replay in step with the video, resume, download, and watch heartbeats.
 */
export function createPlayer(opts: PlayerOptions): PlayerHandle {
  let playback = opts.playback;
  const cleanups: (() => void)[] = [];
  const listen = <K extends keyof HTMLVideoElementEventMap>(target: HTMLVideoElement, type: K, fn: (e: HTMLVideoElementEventMap[K]) => void) => {
    target.addEventListener(type, fn);
    cleanups.push(() => target.removeEventListener(type, fn));
  };

  // ------------------------------------------------------------ markup
  const video = el('video', { id: 'player', playsinline: '', preload: 'metadata' });
  if (playback.poster) video.poster = playback.poster;
  const bigPlay = el('button', { type: 'button', class: 'big-play', 'aria-label': 'Play' }, icon('play'));
  const status = el('p', { class: 'player-status', role: 'status', hidden: '' });
  const videoBox = el('div', { class: 'video-box' }, video, bigPlay, status);

  const playButton = el('button', { type: 'button', id: 'play-toggle', class: 'icon', 'aria-label': 'Play' }, icon('play'));
  const muteButton = el('button', { type: 'button', id: 'mute-toggle', class: 'icon', 'aria-label': 'Mute' }, icon('volume'));
  const timeLabel = el('span', { class: 'time', id: 'time' }, '00:00 / 00:00');
  const seek = el('input', { type: 'range', id: 'seek', min: '0', max: '0', step: '0.1', value: '0', 'aria-label': 'Seek' });
  const previewImage = el('img', { alt: '', draggable: 'false' });
  const previewFrame = el('div', { class: 'seek-preview-frame' }, previewImage);
  const previewTime = el('span', { class: 'seek-preview-time' });
  const preview = el('div', { id: 'seek-preview', hidden: '' }, previewFrame, previewTime);
  const seekWrap = el('div', { class: 'seek-wrap' }, seek, preview);

  const quality = el('select', { id: 'quality', 'aria-label': 'Quality' }, el('option', { value: '-1' }, 'Auto'));
  const speed = el('select', { id: 'speed', 'aria-label': 'Playback speed' }, ...SPEEDS.map((s) => el('option', { value: String(s) }, `${s}×`)));
  const savedSpeed = Number(localStorage.getItem(SPEED_KEY));
  speed.value = (SPEEDS as readonly number[]).includes(savedSpeed) ? String(savedSpeed) : '1';
  const fullscreenButton = el('button', { type: 'button', class: 'icon', id: 'fullscreen-toggle', 'aria-label': 'Full screen' }, icon('fullscreen'));
  // Captions (a transcript the provider made, e.g. Zoom's) as a native text track the viewer switches on and off.
  const CAPTIONS_KEY = 'aula.captions';
  const captionsTrack = el('track', { kind: 'captions', label: 'Captions', srclang: document.documentElement.lang || 'en' });
  const captionsButton = el('button', { type: 'button', id: 'captions-toggle', class: 'cc', 'aria-pressed': 'false', title: 'Captions' }, 'CC');
  function setCaptions(on: boolean) {
    const track = video.textTracks[0];
    if (track) track.mode = on ? 'showing' : 'hidden';
    captionsButton.setAttribute('aria-pressed', String(on));
    localStorage.setItem(CAPTIONS_KEY, on ? '1' : '0');
  }
  if (playback.captions) {
    captionsTrack.src = playback.captions;
    video.append(captionsTrack);
    setCaptions(localStorage.getItem(CAPTIONS_KEY) === '1'); // the viewer's last choice
    captionsButton.addEventListener('click', () => setCaptions(captionsButton.getAttribute('aria-pressed') !== 'true'));
  } else {
    captionsButton.hidden = true;
  }
  const download = el('a', { id: 'download', class: 'button-link', download: '' }, 'Download MP4');
  if (playback.mp4) download.href = playback.mp4;
  else download.hidden = true;

  const controls = el('div', { class: 'controls' },
    playButton, muteButton, timeLabel, seekWrap,
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Quality'), quality),
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Speed'), speed),
    captionsButton,
    fullscreenButton,
  );
  const stage = el('div', { class: 'player-stage', tabindex: '-1' }, videoBox, controls);

  const chatList = el('ol', { class: 'chat-list' });
  const chatEmpty = el('p', { class: 'muted chat-empty' }, 'Loading chat…');
  const chatCount = el('span', { class: 'muted' });
  const chat = el('aside', { id: 'chat', class: 'chat-panel', 'aria-label': 'Chat replay' }, el('h3', {}, 'Chat ', chatCount), chatEmpty, chatList);

  const resumeNote = el('p', { class: 'resume-note muted', hidden: '' });
  const heading = el('div', { class: 'player-heading' },
    el('div', {}, el('h2', {}, opts.title), opts.subtitle ? el('p', { class: 'muted' }, opts.subtitle) : ''),
    el('div', { class: 'player-links' }, opts.analyticsHref ? el('a', { href: opts.analyticsHref, class: 'analytics-link' }, 'Analytics') : '', download),
  );
  const layout = el('div', { class: 'player-layout' }, stage, chat);
  const element = el('section', { class: 'player card', 'data-recording-id': opts.recordingId, 'aria-label': `Player: ${opts.title}` }, heading, layout, resumeNote);

  if (!playback.chat) {
    chat.hidden = true;
    layout.classList.add('no-chat');
  }

  // ------------------------------------------------------------ source
  let hls: Hls | null = null;
  let mediaErrorRecoveries = 0;
  let lastRefreshAt = 0;
  const resumeAt = opts.resumeAt !== null && opts.resumeAt > 5 && (opts.durationHint === null || opts.resumeAt < opts.durationHint - 3) ? opts.resumeAt : 0;

  function showStatus(message: string | null) {
    status.textContent = message ?? '';
    status.hidden = message === null;
  }

  function attachHls(url: string, startAt: number) {
    hls?.destroy();
    const viewerToken = getToken();
    const instance = new Hls({
      startPosition: startAt > 0 ? startAt : -1,
      capLevelToPlayerSize: false,
      // Media requests carry the viewer's own credentials too, so a link issued to someone else is refused;
      // never to another site (a video kept on Cloudflare plays from its signed URL alone).
      xhrSetup: (xhr, url) => {
        if (viewerToken && new URL(url, location.href).origin === location.origin) xhr.setRequestHeader('authorization', `Bearer ${viewerToken}`);
      },
    });
    hls = instance;
    instance.on(Hls.Events.MANIFEST_PARSED, (_e, data) => fillQualities(data.levels));
    instance.on(Hls.Events.LEVEL_SWITCHED, () => labelAuto());
    instance.on(Hls.Events.ERROR, (_e, data) => void onHlsError(instance, data));
    instance.loadSource(url);
    instance.attachMedia(video);
    window.aulaPlayer = { hls: instance, video };
  }

  async function onHlsError(instance: Hls, data: ErrorData) {
    if (!data.fatal || instance !== hls) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaErrorRecoveries < 2) {
      if (mediaErrorRecoveries++ > 0) instance.swapAudioCodec();
      instance.recoverMediaError();
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && Date.now() - lastRefreshAt > 30_000) {
      // Signed URLs expire; a fresh set continues from where the viewer is.
      lastRefreshAt = Date.now();
      try {
        await refresh();
        return;
      } catch {
        /* falls through to the message */
      }
    }
    showStatus('This recording cannot be played right now. Reload the page to try again.');
  }

  async function refresh() {
    const wasPlaying = !video.paused;
    const at = video.currentTime;
    playback = await opts.refreshPlayback();
    if (playback.mp4) download.href = playback.mp4;
    if (playback.captions && captionsTrack.src !== playback.captions) captionsTrack.src = playback.captions;
    if (Hls.isSupported()) attachHls(playback.hls, at);
    else {
      video.src = playback.hls;
      video.addEventListener('loadedmetadata', () => (video.currentTime = at), { once: true });
    }
    if (wasPlaying) video.play().catch(() => undefined);
    void loadThumbnails();
  }

  function fillQualities(levels: Level[]) {
    const indexed = levels.map((level, index) => ({ level, index })).sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate);
    const heights = indexed.map((l) => l.level.height);
    quality.replaceChildren(
      el('option', { value: '-1' }, 'Auto'),
      ...indexed.map(({ level, index }) => {
        const label = level.height > 0 ? `${level.height}p` : 'Audio only';
        const dup = heights.filter((h) => h === level.height).length > 1;
        return el('option', { value: String(index) }, dup ? `${label} (${Math.round(level.bitrate / 1000)} kb/s)` : label);
      }),
    );
    quality.value = '-1';
    quality.disabled = levels.length === 0;
    labelAuto();
  }

  function labelAuto() {
    const auto = quality.options[0];
    if (!auto || !hls) return;
    const current = hls.levels[hls.currentLevel];
    auto.textContent = hls.autoLevelEnabled && current && current.height > 0 ? `Auto (${current.height}p)` : 'Auto';
  }

  quality.addEventListener('change', () => {
    if (!hls) return;
    hls.currentLevel = Number(quality.value);
    labelAuto();
  });

  if (Hls.isSupported()) attachHls(playback.hls, resumeAt);
  else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = playback.hls;
    quality.disabled = true;
    window.aulaPlayer = { hls: null, video };
    if (resumeAt > 0) video.addEventListener('loadedmetadata', () => (video.currentTime = resumeAt), { once: true });
  } else if (playback.mp4) {
    video.src = playback.mp4;
    quality.disabled = true;
    window.aulaPlayer = { hls: null, video };
    if (resumeAt > 0) video.addEventListener('loadedmetadata', () => (video.currentTime = resumeAt), { once: true });
  } else {
    showStatus('This browser cannot play this recording.');
  }

  if (resumeAt > 0) {
    const startOver = el('button', { type: 'button', class: 'link-button' }, 'Start from the beginning');
    startOver.addEventListener('click', () => {
      video.currentTime = 0;
      resumeNote.hidden = true;
    });
    resumeNote.replaceChildren(`Resuming at ${formatClock(resumeAt)}. `, startOver);
    resumeNote.hidden = false;
  }

  // ------------------------------------------------------------ transport
  video.playbackRate = Number(speed.value);
  speed.addEventListener('change', () => {
    video.playbackRate = Number(speed.value);
    localStorage.setItem(SPEED_KEY, speed.value);
  });

  const togglePlay = () => {
    if (video.paused || video.ended) video.play().catch(() => undefined);
    else video.pause();
  };
  playButton.addEventListener('click', togglePlay);
  bigPlay.addEventListener('click', togglePlay);
  video.addEventListener('click', togglePlay);
  muteButton.addEventListener('click', () => {
    video.muted = !video.muted;
  });
  fullscreenButton.addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void stage.requestFullscreen?.().catch(() => undefined);
  });
  stage.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && t !== seek) || t instanceof HTMLButtonElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === ' ' || e.key === 'k') togglePlay();
    else if (e.key === 'm') video.muted = !video.muted;
    else if (e.key === 'f') fullscreenButton.click();
    else if (t !== seek && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) video.currentTime = clamp(video.currentTime + (e.key === 'ArrowLeft' ? -5 : 5), 0, duration());
    else return;
    e.preventDefault();
  });

  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : opts.durationHint ?? 0);

  let dragging = false;
  function paintSeek(position: number) {
    const d = duration();
    seek.max = String(d);
    if (!dragging) seek.value = String(position);
    const played = d > 0 ? (position / d) * 100 : 0;
    let buffered = 0;
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= position + 0.5) buffered = Math.max(buffered, video.buffered.end(i));
    }
    seek.style.setProperty('--played', `${clamp(played, 0, 100)}%`);
    seek.style.setProperty('--buffered', `${d > 0 ? clamp((buffered / d) * 100, 0, 100) : 0}%`);
    timeLabel.textContent = `${formatClock(position)} / ${formatClock(d)}`;
  }

  const syncPlayState = () => {
    const paused = video.paused || video.ended;
    playButton.replaceChildren(icon(paused ? 'play' : 'pause'));
    playButton.setAttribute('aria-label', paused ? 'Play' : 'Pause');
    bigPlay.hidden = !paused;
  };
  listen(video, 'play', syncPlayState);
  listen(video, 'pause', syncPlayState);
  listen(video, 'ended', syncPlayState);
  listen(video, 'playing', () => showStatus(null));
  listen(video, 'volumechange', () => {
    muteButton.replaceChildren(icon(video.muted || video.volume === 0 ? 'muted' : 'volume'));
    muteButton.setAttribute('aria-label', video.muted ? 'Unmute' : 'Mute');
  });
  listen(video, 'ratechange', () => {
    if (String(video.playbackRate) !== speed.value && (SPEEDS as readonly number[]).includes(video.playbackRate)) speed.value = String(video.playbackRate);
  });
  listen(video, 'timeupdate', () => {
    paintSeek(video.currentTime);
    updateChat(video.currentTime);
  });
  listen(video, 'durationchange', () => paintSeek(video.currentTime));
  listen(video, 'progress', () => paintSeek(video.currentTime));
  listen(video, 'seeked', () => {
    stickToBottom = true;
    paintSeek(video.currentTime);
    updateChat(video.currentTime);
  });

  seek.addEventListener('input', () => {
    dragging = true;
    const t = Number(seek.value);
    timeLabel.textContent = `${formatClock(t)} / ${formatClock(duration())}`;
    const rect = seek.getBoundingClientRect();
    showPreview(t, duration() > 0 ? (t / duration()) * rect.width : 0);
  });
  seek.addEventListener('change', () => {
    dragging = false;
    video.currentTime = clamp(Number(seek.value), 0, duration());
    if (!seekHovered) preview.hidden = true;
  });

  // ------------------------------------------------------------ thumbnail previews
  let thumbnails: ThumbnailCue[] = [];
  let seekHovered = false;

  async function loadThumbnails() {
    if (!playback.thumbnails) return;
    try {
      const res = await fetch(playback.thumbnails);
      if (!res.ok) return;
      thumbnails = parseThumbnails(await res.text(), playback.thumbnails);
      // Sprites are small; loading them now avoids a blank frame on the first hover.
      for (const url of new Set(thumbnails.map((c) => c.url))) new Image().src = url;
    } catch {
      thumbnails = [];
    }
  }
  void loadThumbnails();

  function showPreview(t: number, x: number) {
    const index = lastStartedAt(thumbnails, t);
    const cue = index >= 0 ? thumbnails[index] : undefined;
    const width = seekWrap.clientWidth;
    let frameWidth = 0;
    if (cue) {
      frameWidth = cue.w;
      previewFrame.style.width = `${cue.w}px`;
      previewFrame.style.height = `${cue.h}px`;
      if (previewImage.src !== cue.url) previewImage.src = cue.url;
      previewImage.style.left = `${-cue.x}px`;
      previewImage.style.top = `${-cue.y}px`;
      previewFrame.hidden = false;
    } else previewFrame.hidden = true;
    previewTime.textContent = formatClock(t);
    const boxWidth = Math.max(frameWidth, 56);
    preview.style.left = `${clamp(x - boxWidth / 2, 0, Math.max(0, width - boxWidth))}px`;
    preview.dataset.time = t.toFixed(2);
    preview.hidden = false;
  }

  seekWrap.addEventListener('pointermove', (e) => {
    seekHovered = true;
    const rect = seek.getBoundingClientRect();
    const x = clamp(e.clientX - rect.left, 0, rect.width);
    showPreview(rect.width > 0 ? (x / rect.width) * duration() : 0, x);
  });
  seekWrap.addEventListener('pointerleave', () => {
    seekHovered = false;
    if (!dragging) preview.hidden = true;
  });

  // ------------------------------------------------------------ chat replay
  let chatCues: ChatCue[] = [];
  let chatItems: HTMLLIElement[] = [];
  let shown = 0;
  let current = -1;
  let stickToBottom = true;

  chatList.addEventListener('scroll', () => {
    stickToBottom = chatList.scrollHeight - chatList.scrollTop - chatList.clientHeight < 24;
  });

  async function loadChat() {
    if (!playback.chat) return;
    try {
      const res = await fetch(playback.chat);
      if (!res.ok) throw new Error(`chat ${res.status}`);
      chatCues = parseChat(await res.text());
    } catch {
      chatEmpty.textContent = 'The chat could not be loaded.';
      return;
    }
    chatCount.textContent = `· ${chatCues.length} message${chatCues.length === 1 ? '' : 's'}`;
    chatEmpty.textContent = chatCues.length === 0 ? 'No messages were sent in this class.' : 'Messages appear here as the recording plays.';
    chatItems = chatCues.map((cue, i) => {
      const at = el('button', { type: 'button', class: 'chat-time', title: 'Jump to this moment' }, formatClock(cue.start));
      at.addEventListener('click', () => {
        video.currentTime = cue.start;
      });
      return el('li', { class: 'chat-msg', 'data-index': String(i), 'data-start': cue.start.toFixed(3), hidden: '' },
        at, el('strong', { class: 'chat-author' }, cue.author || 'Anonymous'), el('span', { class: 'chat-text' }, cue.text));
    });
    chatList.replaceChildren(...chatItems);
    shown = 0;
    current = -1;
    updateChat(video.currentTime);
  }
  void loadChat();

  function updateChat(t: number) {
    if (chatItems.length === 0) return;
    const upTo = lastStartedAt(chatCues, t) + 1;
    const grew = upTo > shown;
    if (upTo !== shown) {
      for (let i = Math.min(upTo, shown); i < Math.max(upTo, shown); i++) chatItems[i]!.hidden = i >= upTo;
      shown = upTo;
    }
    const cue = chatCues[upTo - 1];
    const now = cue && t < cue.end ? upTo - 1 : -1;
    if (now !== current) {
      if (current >= 0) chatItems[current]?.classList.remove('current');
      if (now >= 0) chatItems[now]?.classList.add('current');
      current = now;
    }
    chatEmpty.hidden = shown > 0;
    if (grew && stickToBottom) chatList.scrollTop = chatList.scrollHeight;
  }

  // ------------------------------------------------------------ watch heartbeats
  const sessionId = newSessionId();
  let started = false;
  let reportedPlaying = false;
  let lastPosition = resumeAt;
  let timer: ReturnType<typeof setInterval> | null = null;
  let queue: Promise<void> = Promise.resolve();

  const position = (t = video.currentTime) => Math.round(clamp(t, 0, duration() || t) * 10) / 10;
  const body = (pos: number, playing: boolean, event: 'heartbeat' | 'play' | 'pause' | 'seek' | 'ended') => ({ sessionId, position: pos, playing, event });

  function send(pos: number, playing: boolean, event: 'heartbeat' | 'play' | 'pause' | 'seek' | 'ended') {
    reportedPlaying = playing;
    // One at a time and in order: the server measures what was watched between consecutive heartbeats.
    queue = queue
      .then(() => api<HeartbeatResult>('POST', `/api/v1/recordings/${encodeURIComponent(opts.recordingId)}/progress`, body(pos, playing, event)))
      .then((r) => opts.onProgress?.(r, pos))
      .catch(() => undefined);
  }

  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  listen(video, 'timeupdate', () => {
    if (!video.seeking) lastPosition = video.currentTime;
  });
  // 'playing' rather than 'play': only then is currentTime where playback really starts (after a resume or a stall).
  listen(video, 'playing', () => {
    started = true;
    send(position(), true, 'play');
    stopTimer();
    timer = setInterval(() => {
      if (!video.paused && !video.seeking) send(position(), true, 'heartbeat');
    }, HEARTBEAT_MS);
  });
  listen(video, 'pause', () => {
    stopTimer();
    if (started && !video.ended) send(position(), false, 'pause');
  });
  listen(video, 'ended', () => {
    stopTimer();
    if (started) send(position(duration()), false, 'ended');
  });
  let seekFrom: number | null = null;
  listen(video, 'seeking', () => {
    seekFrom ??= lastPosition;
  });
  listen(video, 'seeked', () => {
    const from = seekFrom ?? lastPosition;
    seekFrom = null;
    lastPosition = video.currentTime;
    // The player's own small nudges (over a gap, onto a keyframe) are not the viewer's seeks.
    if (!started || Math.abs(video.currentTime - from) < 1) return;
    // Close the watched stretch where the viewer left it, so the jump itself does not count as watched.
    if (reportedPlaying) send(position(from), false, 'seek');
    send(position(), !video.paused, 'seek');
  });

  const onPageHide = () => {
    if (!reportedPlaying) return;
    reportedPlaying = false;
    const token = getToken();
    void fetch(`/api/v1/recordings/${encodeURIComponent(opts.recordingId)}/progress`, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body(position(), false, 'pause')),
    }).catch(() => undefined);
  };
  window.addEventListener('pagehide', onPageHide);
  cleanups.push(() => window.removeEventListener('pagehide', onPageHide));

  syncPlayState();
  paintSeek(resumeAt);

  return {
    element,
    video,
    play() {
      video.play().catch(() => undefined);
    },
    destroy() {
      stopTimer();
      if (reportedPlaying) send(position(), false, 'pause');
      for (const fn of cleanups) fn();
      video.pause();
      hls?.destroy();
      hls = null;
      video.removeAttribute('src');
      video.load();
      if (window.aulaPlayer?.video === video) delete window.aulaPlayer;
      element.remove();
    },
  };
}
