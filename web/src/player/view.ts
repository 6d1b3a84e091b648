import { el } from '../dom';
import { icon } from '../icons';
import type { Playback } from '../types';
import { createChatReplay } from './chat-replay';
import { type PlayerOptions, SPEEDS } from './options';

/** The player's elements: the video with its overlay, the control bar, the heading with its links, the chat beside. */
export type PlayerView = ReturnType<typeof buildPlayerView>;

function buildSeekBar() {
  const seek = el('input', { type: 'range', id: 'seek', min: '0', max: '0', step: '0.1', value: '0', 'aria-label': 'Seek' });
  const previewImage = el('img', { alt: '', draggable: 'false' });
  const previewFrame = el('div', { class: 'seek-preview-frame' }, previewImage);
  const previewTime = el('span', { class: 'seek-preview-time' });
  const preview = el('div', { id: 'seek-preview', hidden: '' }, previewFrame, previewTime);
  const seekWrap = el('div', { class: 'seek-wrap' }, seek, preview);
  return { seek, seekWrap, preview, previewFrame, previewImage, previewTime };
}

function buildControls() {
  const controls = {
    playButton: el('button', { type: 'button', id: 'play-toggle', class: 'icon', 'aria-label': 'Play' }, icon('play')),
    muteButton: el('button', { type: 'button', id: 'mute-toggle', class: 'icon', 'aria-label': 'Mute' }, icon('volume')),
    volume: el('input', { type: 'range', id: 'volume', min: '0', max: '1', step: '0.05', 'aria-label': 'Volume' }),
    helpButton: el('button', { type: 'button', id: 'shortcuts-button', class: 'icon help', 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)' }, '?'),
    timeLabel: el('span', { class: 'time', id: 'time' }, '00:00 / 00:00'),
    quality: el('select', { id: 'quality', 'aria-label': 'Quality' }, el('option', { value: '-1' }, 'Auto')),
    speed: el('select', { id: 'speed', 'aria-label': 'Playback speed' }, ...SPEEDS.map((s) => el('option', { value: String(s) }, `${s}×`))),
    fullscreenButton: el('button', { type: 'button', class: 'icon', id: 'fullscreen-toggle', 'aria-label': 'Full screen' }, icon('fullscreen')),
    captionsButton: el('button', { type: 'button', id: 'captions-toggle', class: 'cc', 'aria-pressed': 'false', title: 'Captions' }, 'CC'),
    ...buildSeekBar(),
  };
  const bar = el('div', { class: 'controls' },
    controls.playButton, el('span', { class: 'volume-group' }, controls.muteButton, controls.volume), controls.timeLabel, controls.seekWrap,
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Quality'), controls.quality),
    el('label', { class: 'control-select' }, el('span', { class: 'visually-hidden' }, 'Speed'), controls.speed),
    controls.captionsButton,
    controls.helpButton,
    controls.fullscreenButton,
  );
  return { ...controls, bar };
}

export function buildPlayerView(opts: PlayerOptions, playback: Playback) {
  const video = el('video', { id: 'player', playsinline: '', preload: 'metadata' });
  if (playback.poster) video.poster = playback.poster;
  const bigPlay = el('button', { type: 'button', class: 'big-play', 'aria-label': 'Play' }, icon('play'));
  const status = el('p', { class: 'player-status', role: 'status', hidden: '' });
  const videoBox = el('div', { class: 'video-box' }, video, bigPlay, status);
  const controls = buildControls();
  const stage = el('div', { class: 'player-stage', tabindex: '-1' }, videoBox, controls.bar);

  const chatReplay = createChatReplay(playback.chat, (t) => (video.currentTime = t));
  const download = el('a', { id: 'download', class: 'button-link', download: '' }, 'Download MP4');
  if (playback.mp4) download.href = playback.mp4;
  else download.hidden = true;
  const resumeNote = el('p', { class: 'resume-note muted', hidden: '' });
  const heading = el('div', { class: 'player-heading' },
    el('div', {}, el('h2', {}, opts.title), opts.subtitle ? el('p', { class: 'muted' }, opts.subtitle) : ''),
    el('div', { class: 'player-links' }, opts.analyticsHref ? el('a', { href: opts.analyticsHref, class: 'analytics-link' }, 'Analytics') : '', download),
  );
  const layout = el('div', { class: 'player-layout' }, stage, chatReplay.element);
  const element = el('section', { class: 'player card', 'data-recording-id': opts.recordingId, 'aria-label': `Player: ${opts.title}` }, heading, layout, resumeNote);
  if (!playback.chat) {
    chatReplay.element.hidden = true;
    layout.classList.add('no-chat');
  }
  return { ...controls, video, bigPlay, status, videoBox, stage, chatReplay, download, resumeNote, element };
}

/** Shows a message over the video, or hides it (null). */
export function showStatus(view: Pick<PlayerView, 'status'>, message: string | null): void {
  view.status.textContent = message ?? '';
  view.status.hidden = message === null;
}
