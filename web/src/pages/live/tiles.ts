import { el } from '../../dom';

/**
 * The stage's tiles and their layout: one tile may be large (the one pinned, else a shared screen) with the others
 * beside it; any tile can be pinned or put full screen from its own buttons.
 */
export class StageTiles {
  /** The tile pinned by this viewer (`data-key`), or null: then a shared screen is shown large. */
  private pinned: string | null = null;

  constructor(private readonly stage: HTMLElement) {
    document.addEventListener('fullscreenchange', () => this.labelFullscreen());
  }

  /** A labelled tile for a video, with Pin and Full screen buttons; `key` names it across reconnections. */
  tile(key: string, video: HTMLVideoElement, label: string): HTMLElement {
    const pin = el('button', { type: 'button', class: 'small secondary tile-pin', 'aria-pressed': 'false', 'aria-label': `Pin ${label}` }, 'Pin');
    const full = el('button', { type: 'button', class: 'small secondary tile-fullscreen', 'aria-label': `Show ${label} full screen` }, 'Full screen');
    const tile = el('div', { class: 'tile', 'data-key': key, 'data-label': label }, video, el('span', { class: 'tile-label' }, label), el('div', { class: 'tile-actions' }, pin, full));
    pin.addEventListener('click', () => this.pin(this.pinned === key ? null : key));
    full.addEventListener('click', () => void this.toggleFullscreen(tile));
    video.addEventListener('dblclick', () => void this.toggleFullscreen(tile));
    return tile;
  }

  pin(key: string | null): void {
    this.pinned = key;
    this.layout();
  }

  /** Marks the large tile; called whenever tiles come and go. */
  layout(): void {
    const tiles = [...this.stage.querySelectorAll<HTMLElement>(':scope > .tile')];
    const pinned = tiles.find((t) => t.dataset.key === this.pinned);
    const focus = pinned ?? tiles.find((t) => t.dataset.source === 'screen') ?? null;
    for (const t of tiles) {
      const isPinned = t === pinned;
      t.classList.toggle('focus', t === focus);
      // The large tile spans the rows of the small ones beside it.
      t.style.gridRow = t === focus ? `1 / span ${Math.max(1, tiles.length - 1)}` : '';
      t.classList.toggle('pinned', isPinned);
      const pin = t.querySelector<HTMLButtonElement>('.tile-pin');
      if (!pin) continue;
      pin.setAttribute('aria-pressed', String(isPinned));
      pin.textContent = isPinned ? 'Unpin' : 'Pin';
      pin.setAttribute('aria-label', `${isPinned ? 'Unpin' : 'Pin'} ${t.dataset.label ?? ''}`);
    }
    this.stage.classList.toggle('focused', focus !== null && tiles.length > 1);
  }

  private async toggleFullscreen(tile: HTMLElement): Promise<void> {
    try {
      if (document.fullscreenElement === tile) await document.exitFullscreen();
      else await tile.requestFullscreen();
    } catch {
      // Full screen refused (an iframe without permission): the tile stays where it is.
    }
  }

  private labelFullscreen(): void {
    for (const t of this.stage.querySelectorAll<HTMLElement>(':scope > .tile')) {
      const button = t.querySelector('.tile-fullscreen');
      const on = document.fullscreenElement === t;
      if (!button) continue;
      button.textContent = on ? 'Exit full screen' : 'Full screen';
      button.setAttribute('aria-label', `${on ? 'Exit full screen for' : 'Show'} ${t.dataset.label ?? ''}${on ? '' : ' full screen'}`);
    }
  }
}
