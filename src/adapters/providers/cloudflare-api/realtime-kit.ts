import type { CloudflareCall } from './client';
import { CloudflareApiError, errorFor } from './errors';
import type { CloudflareCredentials, RtkRecording } from './types';

/** RealtimeKit: meetings, participants, recordings and the key its webhooks are signed with. */
export function createRealtimeKitCalls(call: CloudflareCall, opts: { realtimeKitKeysUrl: string; timeoutMs: number }) {
  return {
    async createMeeting(c: CloudflareCredentials, appId: string, m: { title: string; recordOnStart: boolean }): Promise<{ id: string }> {
      return call<{ id: string }>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/meetings`, { title: m.title, record_on_start: m.recordOnStart });
    },
    async addParticipant(c: CloudflareCredentials, appId: string, meetingId: string, p: { name: string; presetName: string; customParticipantId: string }): Promise<{ id: string; token: string }> {
      return call<{ id: string; token: string }>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/meetings/${encodeURIComponent(meetingId)}/participants`, {
        name: p.name, preset_name: p.presetName, custom_participant_id: p.customParticipantId,
      });
    },
    async startRecording(c: CloudflareCredentials, appId: string, meetingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'POST', `/realtime/kit/${encodeURIComponent(appId)}/recordings`, { meeting_id: meetingId });
    },
    async stopRecording(c: CloudflareCredentials, appId: string, recordingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'PUT', `/realtime/kit/${encodeURIComponent(appId)}/recordings/${encodeURIComponent(recordingId)}`, { action: 'stop' });
    },
    async getRecording(c: CloudflareCredentials, appId: string, recordingId: string): Promise<RtkRecording> {
      return call<RtkRecording>(c, 'GET', `/realtime/kit/${encodeURIComponent(appId)}/recordings/${encodeURIComponent(recordingId)}`);
    },

    /** RealtimeKit's published webhook key (`{data:{publicKey}}`). */
    async fetchRealtimeKitPublicKey(): Promise<string> {
      let res: Response;
      try {
        res = await fetch(opts.realtimeKitKeysUrl, { signal: AbortSignal.timeout(opts.timeoutMs) });
      } catch (err) {
        throw new CloudflareApiError('network', null, `RealtimeKit webhooks.json: ${(err as Error).message}`);
      }
      if (!res.ok) throw errorFor(res.status, 'RealtimeKit webhooks.json', '');
      const body = (await res.json().catch(() => null)) as { data?: { publicKey?: unknown } } | null;
      if (typeof body?.data?.publicKey !== 'string') throw new CloudflareApiError('server', res.status, 'RealtimeKit webhooks.json has no data.publicKey');
      return body.data.publicKey;
    },
  };
}
