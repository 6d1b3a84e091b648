import { createPlaybackLinks } from './links';
import { createMediaAccess } from './media-access';
import { createRecordingStates } from './recording-states';
import type { PlaybackServiceDeps } from './types';
import { createViewerRecheck } from './viewer-recheck';

export { contentTypeOf } from './media-files';
export { createLiveAudience, type LiveAudience, type ResolvedLiveFile } from './live-audience';
export type { HostedPlayback, PlaybackServiceDeps, PlaybackUrls } from './types';
export { apiKeyOfViewer, shareLinkOfViewer, shareViewerId, viewerIdOf } from './viewer-ids';

/** Playback: signed links to a recording's media, and the checks every media request passes. */
export function createPlaybackService(deps: PlaybackServiceDeps) {
  const states = createRecordingStates(deps);
  const recheck = createViewerRecheck(deps);
  return {
    ...createPlaybackLinks(deps, recheck),
    ...createMediaAccess(deps, states, recheck),
    close: states.close,
  };
}

export type PlaybackService = ReturnType<typeof createPlaybackService>;
