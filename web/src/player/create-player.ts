import { installCaptions } from './captions';
import { createPlayerContext } from './context';
import { installHeartbeats } from './heartbeats';
import type { PlayerHandle, PlayerOptions } from './options';
import { createQualityMenu } from './quality';
import { showResumeNote, startPositionOf } from './resume';
import { installSeekBar } from './seek-bar';
import { createSeekPreview } from './seek-preview';
import { createPlayerSource } from './source';
import { installTransport } from './transport';
import { buildPlayerView } from './view';

/**
 * The recording player: HLS through hls.js (or the browser's own HLS), quality and speed choices, a seek bar with
 * thumbnail previews, chat replay in step with the video, resume, download, and watch heartbeats.
 */
export function createPlayer(opts: PlayerOptions): PlayerHandle {
  const view = buildPlayerView(opts, opts.playback);
  const ctx = createPlayerContext(view, opts);
  const captions = installCaptions(view, opts.playback.captions);
  const preview = createSeekPreview(view);
  const source = createPlayerSource(view, opts.playback, () => opts.refreshPlayback(), {
    levels: (levels) => quality.fill(levels),
    levelSwitched: () => quality.labelAuto(),
    newPlayback(playback) {
      if (playback.mp4) view.download.href = playback.mp4;
      captions.setSource(playback.captions);
      quality.newMaster(playback.hls);
      void preview.load(playback.thumbnails);
    },
  });
  const quality = createQualityMenu(view, source, opts.playback.hls);
  const start = startPositionOf(opts);
  source.start(start.at);
  showResumeNote(view, start);

  installTransport(ctx);
  const paintSeek = installSeekBar(ctx, preview);
  void preview.load(opts.playback.thumbnails);
  const heartbeats = installHeartbeats(ctx, start.at);
  paintSeek(start.at);

  const { video, element, stage } = view;
  return {
    element,
    video,
    play() {
      video.play().catch(() => undefined);
    },
    focus() {
      stage.focus({ preventScroll: true });
    },
    destroy() {
      heartbeats.stop();
      ctx.destroy();
      video.pause();
      source.destroy();
      element.remove();
    },
  };
}
