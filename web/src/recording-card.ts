import { el } from './dom';
import { clamp } from './format';

/** Pieces the recording cards of the home and lesson pages share. */

/** A watched share as a bar, announced to screen readers under `label`. */
export function progressBar(percent: number, label: string): HTMLDivElement {
  const fill = el('div', { class: 'progress-fill' });
  fill.style.width = `${clamp(percent, 0, 100)}%`;
  return el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(percent)), 'aria-label': label }, fill);
}

/** The poster (or a play sign without one) with the recording's length over it. */
export function recordingThumb(posterUrl: string | null, length: string): HTMLDivElement {
  const thumb = el('div', { class: 'thumb' });
  if (posterUrl) thumb.append(el('img', { src: posterUrl, alt: '', loading: 'lazy', decoding: 'async' }));
  else thumb.append(el('span', { class: 'thumb-placeholder', 'aria-hidden': 'true' }, '▶'));
  thumb.append(el('span', { class: 'duration' }, length));
  return thumb;
}
