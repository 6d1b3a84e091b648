import { clamp, formatClock } from '../format';
import { lastStartedAt, parseThumbnails, type ThumbnailCue } from '../vtt';
import type { PlayerView } from './view';

export type SeekPreview = ReturnType<typeof createSeekPreview>;

/** The frame and time shown above the seek bar where the pointer or the dragged thumb is, from the thumbnail sprites. */
export function createSeekPreview(view: Pick<PlayerView, 'seekWrap' | 'preview' | 'previewFrame' | 'previewImage' | 'previewTime'>) {
  const { seekWrap, preview, previewFrame, previewImage, previewTime } = view;
  let thumbnails: ThumbnailCue[] = [];

  function showFrame(cue: ThumbnailCue | undefined): number {
    if (!cue) {
      previewFrame.hidden = true;
      return 0;
    }
    previewFrame.style.width = `${cue.w}px`;
    previewFrame.style.height = `${cue.h}px`;
    if (previewImage.src !== cue.url) previewImage.src = cue.url;
    previewImage.style.left = `${-cue.x}px`;
    previewImage.style.top = `${-cue.y}px`;
    previewFrame.hidden = false;
    return cue.w;
  }

  return {
    async load(url: string | null) {
      if (!url) return;
      try {
        const res = await fetch(url);
        if (!res.ok) return;
        thumbnails = parseThumbnails(await res.text(), url);
        // Sprites are small; loading them now avoids a blank frame on the first hover.
        for (const sprite of new Set(thumbnails.map((c) => c.url))) new Image().src = sprite;
      } catch {
        thumbnails = [];
      }
    },
    /** Shows the preview of second `t`, centred on `x` pixels from the bar's start and kept within the bar. */
    show(t: number, x: number) {
      const index = lastStartedAt(thumbnails, t);
      const frameWidth = showFrame(index >= 0 ? thumbnails[index] : undefined);
      previewTime.textContent = formatClock(t);
      const boxWidth = Math.max(frameWidth, 56);
      preview.style.left = `${clamp(x - boxWidth / 2, 0, Math.max(0, seekWrap.clientWidth - boxWidth))}px`;
      preview.dataset.time = t.toFixed(2);
      preview.hidden = false;
    },
    hide() {
      preview.hidden = true;
    },
  };
}
