import { createCloudflareCall } from './client';
import { createCloudflareDownloads } from './download';
import { createRealtimeKitCalls } from './realtime-kit';
import { createStreamCalls } from './stream';
import type { CloudflareApiOptions } from './types';

export { CloudflareApiError, type CloudflareErrorKind } from './errors';
export type { CloudflareApiOptions, CloudflareCredentials, LiveInput, RtkRecording, StreamDownload } from './types';

/** Cloudflare's REST API (Stream and RealtimeKit) and downloads of its media, with timeouts and typed errors. */
export function createCloudflareApi(opts: CloudflareApiOptions) {
  const settings = { ...opts, timeoutMs: opts.timeoutMs ?? 20_000 };
  const call = createCloudflareCall(settings);
  return {
    ...createCloudflareDownloads(settings),
    ...createStreamCalls(call),
    ...createRealtimeKitCalls(call, settings),
  };
}

export type CloudflareApi = ReturnType<typeof createCloudflareApi>;
