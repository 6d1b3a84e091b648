import type { Level } from 'hls.js';
import type Hls from 'hls.js/light';
import { getToken } from '../api';
import { el } from '../dom';
import { findAudioOnlyRendition } from './audio-only';
import type { PlayerView } from './view';

interface QualitySource {
  hls(): Hls | null;
  switchTo(url: string | null): void;
}

export type QualityMenu = ReturnType<typeof createQualityMenu>;

const levelOption = (level: Level, index: number, sameHeight: boolean) => {
  const label = level.height > 0 ? `${level.height}p` : 'Audio only';
  return el('option', { value: String(index) }, sameHeight ? `${label} (${Math.round(level.bitrate / 1000)} kb/s)` : label);
};

/**
 * The quality menu: Auto (naming the height playing), each rendition, and "Audio only" when the master playlist
 * has an audio-only rendition, which is played by switching to its own playlist.
 */
export function createQualityMenu(view: Pick<PlayerView, 'quality' | 'videoBox'>, source: QualitySource, masterUrl: string) {
  const { quality } = view;
  /** The audio-only rendition's playlist, once found; playing it is "Audio only" in the quality menu. */
  let audioOnlyUrl: string | null = null;
  let audioOnly = false;
  /** A video level to choose once the master is loaded again after audio-only playback. */
  let pendingLevel: number | null = null;

  function labelAuto() {
    const auto = quality.options[0];
    const hls = source.hls();
    if (!auto || !hls) return;
    const current = hls.levels[hls.currentLevel];
    auto.textContent = hls.autoLevelEnabled && current && current.height > 0 ? `Auto (${current.height}p)` : 'Auto';
  }

  function fill(levels: Level[]) {
    if (audioOnly) return;
    const indexed = levels.map((level, index) => ({ level, index })).sort((a, b) => b.level.height - a.level.height || b.level.bitrate - a.level.bitrate);
    const heights = indexed.map((l) => l.level.height);
    quality.replaceChildren(el('option', { value: '-1' }, 'Auto'), ...indexed.map(({ level, index }) => levelOption(level, index, heights.filter((h) => h === level.height).length > 1)));
    if (audioOnlyUrl) quality.append(el('option', { value: 'audio' }, 'Audio only'));
    quality.value = '-1';
    quality.disabled = levels.length === 0;
    const hls = source.hls();
    if (pendingLevel !== null && hls) {
      hls.currentLevel = pendingLevel;
      quality.value = String(pendingLevel);
      pendingLevel = null;
    }
    labelAuto();
  }

  /** Moves between the master playlist and the audio-only one, keeping the position and the play state. */
  function switchSource(toAudio: boolean, level: number) {
    audioOnly = toAudio;
    view.videoBox.classList.toggle('audio-only', toAudio);
    pendingLevel = toAudio ? null : level;
    source.switchTo(toAudio ? audioOnlyUrl! : null);
  }

  quality.addEventListener('change', () => {
    const hls = source.hls();
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

  void findAudioOnlyRendition(masterUrl, getToken()).then((url) => {
    audioOnlyUrl = url;
    if (url && !quality.querySelector('option[value="audio"]')) quality.append(el('option', { value: 'audio' }, 'Audio only'));
  }, () => undefined);

  return {
    fill,
    labelAuto,
    /** Fresh links are for the master playlist; audio-only playback resumes from the renditions menu. */
    newMaster(url: string) {
      audioOnly = false;
      view.videoBox.classList.remove('audio-only');
      void findAudioOnlyRendition(url, getToken()).then((found) => (audioOnlyUrl = found), () => undefined);
    },
  };
}
