import type { CloudflareCall } from './client';
import type { CloudflareCredentials, LiveInput, StreamDownload } from './types';

/** Stream: live inputs, their videos, MP4 downloads and signing keys. */
export function createStreamCalls(call: CloudflareCall) {
  return {
    async checkCredentials(c: CloudflareCredentials): Promise<void> {
      await call<unknown>(c, 'GET', '/stream/live_inputs');
    },

    async createLiveInput(c: CloudflareCredentials, input: { name: string; deleteRecordingAfterDays: number | null; requireSignedURLs: boolean }): Promise<LiveInput> {
      return call<LiveInput>(c, 'POST', '/stream/live_inputs', {
        meta: { name: input.name },
        recording: { mode: 'automatic', timeoutSeconds: 0, requireSignedURLs: input.requireSignedURLs, allowedOrigins: null, hideLiveViewerCount: false },
        deleteRecordingAfterDays: input.deleteRecordingAfterDays, enabled: true, preferLowLatency: false,
      });
    },
    async setLiveInputEnabled(c: CloudflareCredentials, uid: string, enabled: boolean): Promise<void> {
      await call<unknown>(c, 'PUT', `/stream/live_inputs/${encodeURIComponent(uid)}`, { enabled });
    },
    async rotateStreamKey(c: CloudflareCredentials, uid: string): Promise<LiveInput> {
      return call<LiveInput>(c, 'POST', `/stream/live_inputs/${encodeURIComponent(uid)}/rotate_keys`);
    },
    async deleteLiveInput(c: CloudflareCredentials, uid: string): Promise<void> {
      await call<unknown>(c, 'DELETE', `/stream/live_inputs/${encodeURIComponent(uid)}`);
    },
    async listLiveInputVideos(c: CloudflareCredentials, uid: string): Promise<unknown[]> {
      const r = await call<unknown[] | null>(c, 'GET', `/stream/live_inputs/${encodeURIComponent(uid)}/videos`);
      return Array.isArray(r) ? r : [];
    },
    async getVideo(c: CloudflareCredentials, uid: string): Promise<unknown> {
      return call<unknown>(c, 'GET', `/stream/${encodeURIComponent(uid)}`);
    },
    async deleteVideo(c: CloudflareCredentials, uid: string): Promise<void> {
      await call<unknown>(c, 'DELETE', `/stream/${encodeURIComponent(uid)}`);
    },
    /** Asks for the MP4 (idempotent: an existing one is returned with its progress). */
    async requestDownload(c: CloudflareCredentials, uid: string): Promise<StreamDownload> {
      const r = await call<{ default?: StreamDownload } | null>(c, 'POST', `/stream/${encodeURIComponent(uid)}/downloads`);
      const d = r?.default;
      return { status: d?.status ?? 'inprogress', url: d?.url ?? null, percentComplete: d?.percentComplete ?? null };
    },
    async createSigningKey(c: CloudflareCredentials): Promise<{ id: string; pem: string }> {
      return call<{ id: string; pem: string }>(c, 'POST', '/stream/keys');
    },
  };
}
