import type { ErrorData, Level } from 'hls.js';
import Hls from 'hls.js/light';
import { api, getToken } from './api';
import { el } from './dom';
import { clamp, formatClock } from './format';
import { icon } from './icons';
import type { HeartbeatResult, Playback } from './types';
import { safeStorage } from './storage';
import { findAudioOnlyRendition } from './player-audio';
import { installShortcuts } from './player-shortcuts';
import { createChatReplay } from './player-chat';
import { type ThumbnailCue, lastStartedAt, parseThumbnails } from './vtt';

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
  /** A moment the link asked for (a search match, a shared time): honoured exactly, unlike a resume point. */
  startAt?: number | null;
  durationHint: number | null;
  analyticsHref?: string | null;
  /** Issues fresh signed URLs when the old ones expire during a long session. */
  refreshPlayback(): Promise<Playback>;
  onProgress?(result: HeartbeatResult, position: number): void;
  /** Where heartbeats go; a guest's player posts to its share link instead of the recording. */
  progressPath?: string;
}

export interface PlayerHandle {
  element: HTMLElement;
  video: HTMLVideoElement;
  play(): void;
  /** Moves keyboard focus to the player, so its shortcuts work at once. */
  focus(): void;
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
  const VOLUME_KEY = 'aula.volume';
  const volume = el('input', { type: 'range', id: 'volume', min: '0', max: '1', step: '0.05', 'aria-label': 'Volume' });
  const savedVolume = Number(safeStorage.get(VOLUME_KEY) ?? '1');
  video.volume = Number.isFinite(savedVolume) ? clamp(savedVolume, 0, 1) : 1;
  volume.value = String(video.volume);
  const helpButton = el('button', { type: 'button', id: 'shortcuts-button', class: 'icon help', 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)' }, '?');
  const timeLabel = el('span', { class: 'time', id: 'time' }, '00:00 / 00:00');
  const seek = el('input', { type: 'range', id: 'seek', min: '0', max: '0', step: '0.1', value: '0', 'aria-label': 'Seek' });
  const previewImage = el('img', { alt: '', draggable: 'false' });
  const previewFrame = el('div', { class: 'seek-preview-frame' }, previewImage);
  const previewTime = el('span', { class: 'seek-preview-time' });
  const preview = el('div', { id: 'seek-preview', hidden: '' }, previewFrame, previewTime);
  const seekWrap = el('div', { class: 'seek-wrap' }, seek, preview);

  const quality = el('select', { id: 'quality', 'aria-label': 'Quality' }, el('option', { value: '-1' }, 'Auto'));
  const speed = el('select', { id: 'speed', 'aria-label': 'Playback speed' }, ...SPEEDS.map((s) => el('option', { value: String(s) }, `${s}×`)));
  const savedSpeed = Number(safeStorage.get(SPEED_KEY));
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
    safeStorage.set(CAPTIONS_KEY, on ? '1' : '0');
  }
  if (playback.captions) {
    captionsTrack.src = playback.captions;
    video.append(captionsTrack);
    setCaptions(safeStorage.get(CAPTIONS_KEY) === '1'); // the viewer's last choice
    captionsButton.addEventListener('click', () => setCaptions(captionsButton.getAttribute('aria-pressed') !== 'true'));
  } else {
    captionsButton.hidden = true;
  }
  const download = el('a', { id: 'download', class: 'button-link', download: '' }, 'Download MP4');
  if (playback.mp4) download.href = playback.mp4;
  else download.hidden = true;

  const controls = el('div', { class: 'controls' },
    playButton, el('span', { class: 'volume-group' }, muteButton, volume), timeLabel, seekWrap,
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Quality'), quality),
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Speed'), speed),
    captionsButton,
    helpButton,
    fullscreenButton,
  );
  const stage = el('div', { class: 'player-stage', tabindex: '-1' }, videoBox, controls);

  const chatReplay = createChatReplay(playback.chat, (t) => (video.currentTime = t));
  const chat = chatReplay.element;

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
  const asked = opts.startAt != null && opts.startAt > 0 && (opts.durationHint === null || opts.startAt < opts.durationHint) ? opts.startAt : null;
  const resumeAt = asked ?? (opts.resumeAt !== null && opts.resumeAt > 5 && (opts.durationHint === null || opts.resumeAt < opts.durationHint - 3) ? opts.resumeAt : 0);

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
    // Fresh links are for the master playlist; audio-only playback resumes from the renditions menu.
    audioOnly = false;
    videoBox.classList.remove('audio-only');
    void findAudioOnlyRendition(playback.hls, getToken()).then((url) => (audioOnlyUrl = url), () => undefined);
    if (Hls.isSupported()) attachHls(playback.hls, at);
    else {
      video.src = playback.hls;
      video.addEventListener('loadedmetadata', () => (video.currentTime = at), { once: true });
    }
    if (wasPlaying) video.play().catch(() => undefined);
    void loadThumbnails();
  }

  /** The audio-only rendition's playlist, once found; playing it is "Audio only" in the quality menu. */
  let audioOnlyUrl: string | null = null;
  let audioOnly = false;
  /** A video level to choose once the master is loaded again after audio-only playback. */
  let pendingLevel: number | null = null;
  void findAudioOnlyRendition(playback.hls, getToken()).then((url) => {
    audioOnlyUrl = url;
    if (url && !quality.querySelector('option[value="audio"]')) quality.append(el('option', { value: 'audio' }, 'Audio only'));
  }, () => undefined);

  function fillQualities(levels: Level[]) {
    if (audioOnly) return;
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
    if (audioOnlyUrl) quality.append(el('option', { value: 'audio' }, 'Audio only'));
    quality.value = '-1';
    quality.disabled = levels.length === 0;
    if (pendingLevel !== null && hls) {
      hls.currentLevel = pendingLevel;
      quality.value = String(pendingLevel);
      pendingLevel = null;
    }
    labelAuto();
  }

  function labelAuto() {
    const auto = quality.options[0];
    if (!auto || !hls) return;
    const current = hls.levels[hls.currentLevel];
    auto.textContent = hls.autoLevelEnabled && current && current.height > 0 ? `Auto (${current.height}p)` : 'Auto';
  }

  /** Moves between the master playlist and the audio-only one, keeping the position and the play state. */
  function switchSource(toAudio: boolean, level: number) {
    const at = video.currentTime;
    const wasPlaying = !video.paused;
    audioOnly = toAudio;
    videoBox.classList.toggle('audio-only', toAudio);
    pendingLevel = toAudio ? null : level;
    attachHls(toAudio ? audioOnlyUrl! : playback.hls, at);
    if (wasPlaying) video.play().catch(() => undefined);
  }

  quality.addEventListener('change', () => {
    if (!hls) return;
    if (quality.value === 'audio') {
      if (audioOnlyUrl && !audioOnly) switchSource(true, -1);
      return;
    }
    if (audioOnly) {
      switchSource(false, Number(quality.value));
      return;
    }
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
    resumeNote.replaceChildren(`${asked === null ? 'Resuming' : 'Starting'} at ${formatClock(resumeAt)}. `, startOver);
    resumeNote.hidden = false;
  }

  // ------------------------------------------------------------ transport
  video.playbackRate = Number(speed.value);
  speed.addEventListener('change', () => {
    video.playbackRate = Number(speed.value);
    safeStorage.set(SPEED_KEY, speed.value);
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
  const shortcuts = installShortcuts(stage, {
    togglePlay,
    seekBy: (seconds) => (video.currentTime = clamp(video.currentTime + seconds, 0, duration())),
    seekToFraction: (fraction) => (video.currentTime = clamp(duration() * fraction, 0, duration())),
    toggleMute: () => (video.muted = !video.muted),
    volumeBy: (delta) => {
      video.muted = false;
      video.volume = clamp(Math.round((video.volume + delta) * 20) / 20, 0, 1);
    },
    toggleFullscreen: () => fullscreenButton.click(),
    toggleCaptions: () => {
      if (!captionsButton.hidden) captionsButton.click();
    },
    speedStep: (direction) => {
      const i = (SPEEDS as readonly number[]).indexOf(Number(speed.value));
      const next = SPEEDS[clamp(i + direction, 0, SPEEDS.length - 1)]!;
      speed.value = String(next);
      speed.dispatchEvent(new Event('change'));
    },
  });
  cleanups.push(() => shortcuts.dispose());
  helpButton.addEventListener('click', () => shortcuts.showHelp());
  volume.addEventListener('input', () => {
    video.muted = false;
    video.volume = Number(volume.value);
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
    volume.value = String(video.muted ? 0 : video.volume);
    volume.setAttribute('aria-valuetext', video.muted ? 'muted' : `${Math.round(video.volume * 100)}%`);
    if (!video.muted) safeStorage.set(VOLUME_KEY, String(video.volume));
    muteButton.replaceChildren(icon(video.muted || video.volume === 0 ? 'muted' : 'volume'));
    muteButton.setAttribute('aria-label', video.muted ? 'Unmute' : 'Mute');
  });
  listen(video, 'ratechange', () => {
    if (String(video.playbackRate) !== speed.value && (SPEEDS as readonly number[]).includes(video.playbackRate)) speed.value = String(video.playbackRate);
  });
  listen(video, 'timeupdate', () => {
    paintSeek(video.currentTime);
    chatReplay.update(video.currentTime);
  });
  listen(video, 'durationchange', () => paintSeek(video.currentTime));
  listen(video, 'progress', () => paintSeek(video.currentTime));
  listen(video, 'seeked', () => {
    chatReplay.followLatest();
    paintSeek(video.currentTime);
    chatReplay.update(video.currentTime);
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

  // ------------------------------------------------------------ watch heartbeats
  const sessionId = newSessionId();
  const progressPath = opts.progressPath ?? `/api/v1/recordings/${encodeURIComponent(opts.recordingId)}/progress`;
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
      .then(() => api<HeartbeatResult>('POST', progressPath, body(pos, playing, event)))
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
    void fetch(progressPath, {
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
    focus() {
      stage.focus({ preventScroll: true });
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
