import { clamp, formatClock } from '../format';
import type { PlayerContext } from './context';
import type { SeekPreview } from './seek-preview';

/**
 * The seek bar and the time beside it: played and buffered shares painted on the bar, a preview while hovering or
 * dragging, the video moved when the thumb is let go. Returns the painter, for the first paint at the start position.
 */
export function installSeekBar(ctx: PlayerContext, preview: SeekPreview): (position: number) => void {
  const { video, seek, seekWrap, timeLabel, chatReplay } = ctx.view;
  let dragging = false;
  let hovered = false;

  function paint(position: number) {
    const d = ctx.duration();
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

  ctx.listen('timeupdate', () => {
    paint(video.currentTime);
    chatReplay.update(video.currentTime);
  });
  ctx.listen('durationchange', () => paint(video.currentTime));
  ctx.listen('progress', () => paint(video.currentTime));
  ctx.listen('seeked', () => {
    chatReplay.followLatest();
    paint(video.currentTime);
    chatReplay.update(video.currentTime);
  });

  seek.addEventListener('input', () => {
    dragging = true;
    const t = Number(seek.value);
    const d = ctx.duration();
    timeLabel.textContent = `${formatClock(t)} / ${formatClock(d)}`;
    preview.show(t, d > 0 ? (t / d) * seek.getBoundingClientRect().width : 0);
  });
  seek.addEventListener('change', () => {
    dragging = false;
    ctx.seekTo(Number(seek.value));
    if (!hovered) preview.hide();
  });
  seekWrap.addEventListener('pointermove', (e) => {
    hovered = true;
    const rect = seek.getBoundingClientRect();
    const x = clamp(e.clientX - rect.left, 0, rect.width);
    preview.show(rect.width > 0 ? (x / rect.width) * ctx.duration() : 0, x);
  });
  seekWrap.addEventListener('pointerleave', () => {
    hovered = false;
    if (!dragging) preview.hide();
  });
  return paint;
}
