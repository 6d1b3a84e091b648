import type { ErrorData } from 'hls.js';
import Hls from 'hls.js/light';
import type { AudienceStream } from '../../../../src/contracts/live-signaling';
import { api } from '../../api';
import { el } from '../../dom';

/** What the audience player asks of the page. */
export interface AudienceHooks {
  stage: HTMLElement;
  renderStagePlaceholder(): void;
}

const TOKEN_IN_PATH = /\/live-media\/[^/]+\//;
/** Renew the shared link this long before it expires (or every 5 s when links are shorter than that). */
const RENEW_BEFORE_MS = 60_000;
const RENEW_AT_LEAST_MS = 5_000;
const RETRY_MS = 2_000;

function tokenPrefixOf(url: string): string {
  return TOKEN_IN_PATH.exec(new URL(url, location.href).pathname)?.[0] ?? '';
}

/**
 * A watch-only participant's picture: the class's live HLS with hls.js, kept a few seconds behind the live edge.
 * The link is shared by the whole audience and renewed before it expires; requests made after a renewal use the
 * new token without restarting playback. Before the first segment exists (the recording just started) it retries.
 */
export class AudiencePlayer {
  private hls: Hls | null = null;
  private video: HTMLVideoElement | null = null;
  private stream: AudienceStream | null = null;
  private tokenPrefix = '';
  private renewTimer: number | null = null;
  private retryTimer: number | null = null;

  constructor(
    private readonly liveClassId: string,
    private readonly hooks: AudienceHooks,
  ) {}

  get element(): HTMLVideoElement | null {
    return this.video;
  }

  play(stream: AudienceStream): void {
    const same = this.stream?.recordingId === stream.recordingId && this.hls !== null;
    this.useStream(stream);
    if (!same) this.restart();
  }

  private useStream(stream: AudienceStream): void {
    this.stream = stream;
    this.tokenPrefix = tokenPrefixOf(stream.url);
    if (this.renewTimer !== null) clearTimeout(this.renewTimer);
    const delay = Math.max(RENEW_AT_LEAST_MS, Date.parse(stream.expiresAt) - Date.now() - RENEW_BEFORE_MS);
    this.renewTimer = window.setTimeout(() => void this.renew(), delay);
  }

  private async renew(): Promise<void> {
    this.renewTimer = null;
    if (!this.stream) return;
    try {
      const stream = await api<AudienceStream>('GET', `/api/v1/live-classes/${encodeURIComponent(this.liveClassId)}/audience`);
      if (!this.stream) return;
      if (stream.recordingId === this.stream.recordingId) this.useStream(stream);
      else this.play(stream);
    } catch {
      // The room says when the recording stops; until then keep trying with the link still valid.
      if (this.stream) this.renewTimer = window.setTimeout(() => void this.renew(), 10_000);
    }
  }

  private restart(): void {
    this.destroyPlayer();
    const stream = this.stream;
    if (!stream) return;
    if (!this.video) {
      const video = el('video', { id: 'audience-video', class: 'audience', autoplay: '', playsinline: '', controls: '' });
      this.video = video;
      this.hooks.stage.prepend(el('div', { class: 'tile audience-tile' }, video, el('span', {}, 'Live stream')));
      this.hooks.renderStagePlaceholder();
    }
    const video = this.video;
    const hls = new Hls({
      lowLatencyMode: true,
      // Two 2 s segments behind the live edge; a player that falls further behind catches up a little faster.
      liveSyncDuration: 4,
      liveMaxLatencyDuration: 12,
      maxLiveSyncPlaybackRate: 1.2,
      backBufferLength: 30,
      // The shared link carries no personal credentials, so a cache serves everyone the same bytes; after a renewal
      // every request goes out with the current token.
      xhrSetup: (xhr, url) => {
        xhr.open('GET', this.tokenPrefix ? url.replace(TOKEN_IN_PATH, this.tokenPrefix) : url, true);
      },
    });
    hls.on(Hls.Events.ERROR, (_e, data: ErrorData) => this.onError(hls, data));
    hls.loadSource(stream.url);
    hls.attachMedia(video);
    // With sound when the browser allows it; else muted, and the controls unmute it.
    void video.play().catch(() => {
      video.muted = true;
      return video.play().catch(() => undefined);
    });
    this.hls = hls;
  }

  private onError(hls: Hls, data: ErrorData): void {
    if (!data.fatal || hls !== this.hls) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      hls.recoverMediaError();
      return;
    }
    // The playlist does not exist yet (the first segment is still being written) or the network dropped: try again.
    this.destroyPlayer();
    if (this.retryTimer === null) {
      this.retryTimer = window.setTimeout(() => {
        this.retryTimer = null;
        this.restart();
      }, RETRY_MS);
    }
  }

  private destroyPlayer(): void {
    this.hls?.destroy();
    this.hls = null;
  }

  /** Stops watching and takes the video off the stage. */
  stop(): void {
    this.stream = null;
    this.destroyPlayer();
    for (const timer of [this.renewTimer, this.retryTimer]) if (timer !== null) clearTimeout(timer);
    this.renewTimer = null;
    this.retryTimer = null;
    this.video?.closest('.tile')?.remove();
    this.video = null;
    this.hooks.renderStagePlaceholder();
  }
}
