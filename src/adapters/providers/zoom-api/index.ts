import { createZoomCall } from './client';
import { createZoomDownloads } from './download';
import { createZoomMeetings } from './meetings';
import { createZoomTokens } from './tokens';
import type { ZoomApiOptions, ZoomCredentials } from './types';

export { parseRetryAfterMs, ZoomApiError, type ZoomErrorKind } from './errors';
export type { ZoomApiOptions, ZoomCredentials, ZoomMeeting, ZoomMeetingInput, ZoomMeetingRecordings, ZoomRecordingsPage } from './types';
export { encodeMeetingUuid } from './wire';

/**
 * A thin client for the few Zoom REST calls Aula makes, with Server-to-Server OAuth. It translates HTTP into typed
 * results and typed errors; what to do about an error (retry, give up, tell a person) is decided by the caller.
 */
export function createZoomApi(opts: ZoomApiOptions) {
  const settings = { ...opts, now: opts.now ?? Date.now, timeoutMs: opts.timeoutMs ?? 15_000 };
  const tokens = createZoomTokens(settings);
  const call = createZoomCall(settings, tokens);

  return {
    /** Asks for a token: proves the credentials work. */
    async checkCredentials(c: ZoomCredentials): Promise<void> {
      tokens.forget(c);
      await tokens.accessToken(c);
    },

    /** The account's OAuth access token; Zoom also accepts it for downloads. */
    accessToken: tokens.accessToken,

    forget: tokens.forget,

    ...createZoomMeetings(call),
    ...createZoomDownloads(settings),
  };
}

export type ZoomApi = ReturnType<typeof createZoomApi>;
