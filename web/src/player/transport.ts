import { clamp } from '../format';
import { icon } from '../icons';
import { safeStorage } from '../storage';
import type { PlayerContext } from './context';
import { SPEEDS } from './options';
import { installShortcuts } from './shortcuts';
import { showStatus } from './view';

const SPEED_KEY = 'aula.speed';
const VOLUME_KEY = 'aula.volume';
const isSpeed = (value: number) => (SPEEDS as readonly number[]).includes(value);

/** Volume and speed start where the viewer left them last time, and follow the video when it changes them. */
function installVolumeAndSpeed({ view, listen }: PlayerContext) {
  const { video, volume, muteButton, speed } = view;
  const savedVolume = Number(safeStorage.get(VOLUME_KEY) ?? '1');
  video.volume = Number.isFinite(savedVolume) ? clamp(savedVolume, 0, 1) : 1;
  volume.value = String(video.volume);
  const savedSpeed = Number(safeStorage.get(SPEED_KEY));
  speed.value = isSpeed(savedSpeed) ? String(savedSpeed) : '1';
  video.playbackRate = Number(speed.value);

  speed.addEventListener('change', () => {
    video.playbackRate = Number(speed.value);
    safeStorage.set(SPEED_KEY, speed.value);
  });
  muteButton.addEventListener('click', () => {
    video.muted = !video.muted;
  });
  volume.addEventListener('input', () => {
    video.muted = false;
    video.volume = Number(volume.value);
  });
  listen('volumechange', () => {
    volume.value = String(video.muted ? 0 : video.volume);
    volume.setAttribute('aria-valuetext', video.muted ? 'muted' : `${Math.round(video.volume * 100)}%`);
    if (!video.muted) safeStorage.set(VOLUME_KEY, String(video.volume));
    muteButton.replaceChildren(icon(video.muted || video.volume === 0 ? 'muted' : 'volume'));
    muteButton.setAttribute('aria-label', video.muted ? 'Unmute' : 'Mute');
  });
  listen('ratechange', () => {
    if (String(video.playbackRate) !== speed.value && isSpeed(video.playbackRate)) speed.value = String(video.playbackRate);
  });
}

function installKeyboard(ctx: PlayerContext, togglePlay: () => void) {
  const { video, stage, fullscreenButton, captionsButton, speed, helpButton } = ctx.view;
  const shortcuts = installShortcuts(stage, {
    togglePlay,
    seekBy: (seconds) => ctx.seekTo(video.currentTime + seconds),
    seekToFraction: (fraction) => ctx.seekTo(ctx.duration() * fraction),
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
      speed.value = String(SPEEDS[clamp(i + direction, 0, SPEEDS.length - 1)]!);
      speed.dispatchEvent(new Event('change'));
    },
  });
  ctx.onDestroy(() => shortcuts.dispose());
  helpButton.addEventListener('click', () => shortcuts.showHelp());
}

/** Play and pause (buttons, a click on the video, the keyboard), mute, volume, speed and full screen. */
export function installTransport(ctx: PlayerContext): void {
  const { video, playButton, bigPlay, fullscreenButton, stage } = ctx.view;
  const togglePlay = () => {
    if (video.paused || video.ended) video.play().catch(() => undefined);
    else video.pause();
  };
  playButton.addEventListener('click', togglePlay);
  bigPlay.addEventListener('click', togglePlay);
  video.addEventListener('click', togglePlay);
  fullscreenButton.addEventListener('click', () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void stage.requestFullscreen?.().catch(() => undefined);
  });
  installVolumeAndSpeed(ctx);
  installKeyboard(ctx, togglePlay);

  const syncPlayState = () => {
    const paused = video.paused || video.ended;
    playButton.replaceChildren(icon(paused ? 'play' : 'pause'));
    playButton.setAttribute('aria-label', paused ? 'Play' : 'Pause');
    bigPlay.hidden = !paused;
  };
  ctx.listen('play', syncPlayState);
  ctx.listen('pause', syncPlayState);
  ctx.listen('ended', syncPlayState);
  ctx.listen('playing', () => showStatus(ctx.view, null));
  syncPlayState();
}
