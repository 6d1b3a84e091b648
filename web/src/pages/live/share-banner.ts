import { el } from '../../dom';

/** While this page shares its screen: a banner saying so, a small live preview of what is shared, and Stop sharing. */
export class ShareBanner {
  readonly stopBtn = el('button', { type: 'button', id: 'stop-sharing', class: 'danger small' }, 'Stop sharing');
  private readonly preview = el('video', { id: 'share-preview', muted: '', autoplay: '', playsinline: '', 'aria-label': 'Preview of your shared screen' });
  readonly root = el('div', { id: 'share-banner', class: 'share-banner', role: 'status', hidden: '' },
    this.preview, el('strong', {}, 'You are sharing your screen'), this.stopBtn);
  private shown: MediaStreamTrack | null = null;

  show(track: MediaStreamTrack | null): void {
    this.root.hidden = !track;
    if (track === this.shown) return;
    this.shown = track;
    this.preview.muted = true;
    this.preview.srcObject = track ? new MediaStream([track]) : null;
    if (track) void this.preview.play().catch(() => undefined);
  }
}
