import { el } from '../dom';
import { safeStorage } from '../storage';
import type { PlayerView } from './view';

const CAPTIONS_KEY = 'aula.captions';

/**
 * Captions (a transcript the provider made, e.g. Zoom's) as a native text track the viewer switches on and off,
 * remembering the viewer's last choice. Without captions the button is hidden.
 */
export function installCaptions(view: Pick<PlayerView, 'video' | 'captionsButton'>, url: string | null): { setSource(url: string | null): void } {
  const { video, captionsButton } = view;
  const track = el('track', { kind: 'captions', label: 'Captions', srclang: document.documentElement.lang || 'en' });
  const setCaptions = (on: boolean) => {
    const textTrack = video.textTracks[0];
    if (textTrack) textTrack.mode = on ? 'showing' : 'hidden';
    captionsButton.setAttribute('aria-pressed', String(on));
    safeStorage.set(CAPTIONS_KEY, on ? '1' : '0');
  };
  if (url) {
    track.src = url;
    video.append(track);
    setCaptions(safeStorage.get(CAPTIONS_KEY) === '1');
    captionsButton.addEventListener('click', () => setCaptions(captionsButton.getAttribute('aria-pressed') !== 'true'));
  } else {
    captionsButton.hidden = true;
  }
  return {
    /** Fresh signed URLs replace the track's source; a recording without captions keeps none. */
    setSource(next) {
      if (next && track.src !== next) track.src = next;
    },
  };
}
