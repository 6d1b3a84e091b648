import type { ErrorData, Level } from 'hls.js';
import Hls from 'hls.js/light';
import { getToken } from '../api';

export interface HlsEvents {
  levels(levels: Level[]): void;
  levelSwitched(): void;
  error(instance: Hls, data: ErrorData): void;
}

/** An hls.js instance playing `url` into the video from `startAt` seconds (0: from where the stream begins). */
export function attachHls(video: HTMLVideoElement, url: string, startAt: number, on: HlsEvents): Hls {
  const viewerToken = getToken();
  const instance = new Hls({
    startPosition: startAt > 0 ? startAt : -1,
    capLevelToPlayerSize: false,
    // Media requests carry the viewer's own credentials too, so a link issued to someone else is refused;
    // never to another site (a video kept on Cloudflare plays from its signed URL alone).
    xhrSetup: (xhr, url) => {
      if (viewerToken && new URL(url, location.href).origin === location.origin) xhr.setRequestHeader('authorization', `Bearer ${viewerToken}`);
    },
  });
  instance.on(Hls.Events.MANIFEST_PARSED, (_e, data) => on.levels(data.levels));
  instance.on(Hls.Events.LEVEL_SWITCHED, () => on.levelSwitched());
  instance.on(Hls.Events.ERROR, (_e, data) => on.error(instance, data));
  instance.loadSource(url);
  instance.attachMedia(video);
  return instance;
}
