import { z } from 'zod';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { CloudflareApi } from '../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../domain/providers/cloudflare/api-error';
import { Unprocessable } from '../../../domain/errors';
import type { JoinInfo, LiveClassProviderHooks } from '../../live-classes';
import type { CloudflareAccount } from './account';

export const CloudflareClassOptions = z.strictObject({ mode: z.enum(['stream', 'realtimekit']) });
export type CloudflareMode = z.infer<typeof CloudflareClassOptions>['mode'];

/** A class's Cloudflare mode: a Stream live input (OBS → RTMPS) or a RealtimeKit meeting. */
export const modeOf = (cls: Pick<LiveClassRecord, 'providerData'>): CloudflareMode => (cls.providerData?.mode === 'realtimekit' ? 'realtimekit' : 'stream');

/** RealtimeKit participant tokens are issued per join. */
const JOIN_TTL_SECONDS = 15 * 60;

export interface CloudflareHooksDeps {
  api: CloudflareApi;
  loadAccount(id: string): Promise<CloudflareAccount | null>;
  liveClassesRepo: Pick<LiveClassRepository, 'update'>;
  clock: Clock;
  log: Logger;
}

/** Where a Stream live input's ingest details sit in the class: only its staff see them. */
export function liveInputData(input: { uid: string; rtmps: { url: string; streamKey: string } }) {
  return { mode: 'stream' as const, liveInputId: input.uid, rtmpsUrl: input.rtmps.url, streamKey: input.rtmps.streamKey };
}

export function cloudflareHooks(deps: CloudflareHooksDeps): LiveClassProviderHooks {
  const { api, log } = deps;

  async function accountOf(cls: Pick<LiveClassRecord, 'providerAccountId'>): Promise<CloudflareAccount> {
    const account = cls.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
    if (!account) throw new Unprocessable(`Cloudflare account ${cls.providerAccountId ?? '(none)'} does not exist; create it with POST /api/v1/providers/cloudflare/accounts`);
    return account;
  }

  return {
    needsAccount: true,
    options: CloudflareClassOptions,
    // A live input records every broadcast by itself; a RealtimeKit meeting does when it records on start.
    recordsInProviderCloud: (cls) => modeOf(cls) === 'stream' || cls.autoRecord,
    hostLinkFields: ['rtmpsUrl', 'streamKey', 'lastError'],

    async created(cls, options) {
      const account = await accountOf(cls);
      const mode = (options as { mode?: CloudflareMode } | null)?.mode ?? 'stream';
      try {
        if (mode === 'stream') {
          const input = await api.createLiveInput(account.credentials, { name: cls.title, deleteRecordingAfterDays: account.deleteRecordingAfterDays, requireSignedURLs: account.storage === 'keep' });
          log.info({ liveClassId: cls.id, liveInputId: input.uid }, 'created Cloudflare live input');
          return { providerMeetingId: input.uid, providerData: liveInputData(input) };
        }
        if (!account.realtimeKit) throw new Unprocessable('This Cloudflare account has no RealtimeKit app (realtimeKit.appId); RealtimeKit classes need one');
        const meeting = await api.createMeeting(account.credentials, account.realtimeKit.appId, { title: cls.title, recordOnStart: cls.autoRecord });
        log.info({ liveClassId: cls.id, meetingId: meeting.id }, 'created RealtimeKit meeting');
        return { providerMeetingId: meeting.id, providerData: { mode: 'realtimekit', meetingId: meeting.id, recordOnStart: cls.autoRecord } };
      } catch (err) {
        if (err instanceof CloudflareApiError) throw new Unprocessable(`Cloudflare did not create the ${mode === 'stream' ? 'live input' : 'meeting'}, so the class was not scheduled: ${err.message}`);
        throw err;
      }
    },

    async deleted(cls) {
      if (modeOf(cls) !== 'stream' || !cls.providerMeetingId || !cls.providerAccountId) return;
      const account = await deps.loadAccount(cls.providerAccountId);
      if (!account) return;
      try {
        await api.deleteLiveInput(account.credentials, cls.providerMeetingId);
      } catch (err) {
        if (!(err instanceof CloudflareApiError)) throw err;
        // The class goes away in Aula either way; its recordings are videos of their own and stay.
        if (err.kind !== 'not_found') log.warn({ err, liveClassId: cls.id }, 'could not delete the live input of a deleted class');
      }
    },

    async join(cls, viewer, staff): Promise<JoinInfo> {
      const account = await accountOf(cls);
      if (modeOf(cls) === 'stream') {
        // Instructors broadcast from OBS: their "join" is the ingest URL and key; students watch the recordings.
        return staff ? { provider: 'cloudflare', url: null, serverUrl: String(cls.providerData?.rtmpsUrl ?? ''), token: String(cls.providerData?.streamKey ?? ''), canPublish: true } : { provider: 'cloudflare', url: null, canPublish: false };
      }
      if (!account.realtimeKit || !cls.providerMeetingId) throw new Unprocessable('This class has no RealtimeKit meeting');
      const userId = viewer.kind === 'user' ? viewer.userId : `api-key:${viewer.apiKeyId ?? 'admin'}`;
      try {
        const participant = await api.addParticipant(account.credentials, account.realtimeKit.appId, cls.providerMeetingId, {
          name: viewer.kind === 'user' ? viewer.name : 'Aula', presetName: staff ? account.realtimeKit.hostPreset : account.realtimeKit.participantPreset, customParticipantId: `user:${userId}`,
        });
        return { provider: 'cloudflare', url: null, roomName: cls.providerMeetingId, token: participant.token, canPublish: staff, expiresAt: new Date(deps.clock.now().getTime() + JOIN_TTL_SECONDS * 1000).toISOString() };
      } catch (err) {
        if (err instanceof CloudflareApiError && !err.retryable) throw new Unprocessable(`RealtimeKit refused to add the participant: ${err.message}`);
        throw err;
      }
    },
  };
}

/** Issues a new stream key for a class's live input; the old key stops working at Cloudflare. */
export async function rotateStreamKey(deps: CloudflareHooksDeps, account: CloudflareAccount, cls: LiveClassRecord): Promise<LiveClassRecord> {
  if (modeOf(cls) !== 'stream' || !cls.providerMeetingId) throw new Unprocessable('Only Stream live input classes have a stream key');
  let input;
  try {
    input = await deps.api.rotateStreamKey(account.credentials, cls.providerMeetingId);
  } catch (err) {
    if (err instanceof CloudflareApiError) throw new Unprocessable(`Cloudflare did not rotate the stream key: ${err.message}`);
    throw err;
  }
  const providerData = { ...cls.providerData, ...liveInputData(input) };
  await deps.liveClassesRepo.update(cls.id, { providerData, now: isoNow(deps.clock) });
  deps.log.info({ liveClassId: cls.id }, 'rotated the stream key of a live input');
  return { ...cls, providerData };
}
