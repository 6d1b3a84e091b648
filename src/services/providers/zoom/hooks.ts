import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { ZoomApi, ZoomMeeting } from '../../../adapters/providers/zoom-api';
import { ZoomApiError } from '../../../domain/providers/zoom/api-error';
import { Unprocessable } from '../../../domain/errors';
import type { LiveClassProviderHooks } from '../../live-classes';
import type { ZoomAccount } from './account';

/** Zoom's `start_url` lapses two hours after it is issued; staff get a new one once the stored one is this old. */
const START_URL_RENEW_AFTER_MS = 90 * 60_000;
const START_URL_LIFETIME_MS = 2 * 3_600_000;

export interface ZoomHooksDeps {
  api: ZoomApi;
  /** The class's Zoom account, or null when it was removed. */
  loadAccount(id: string): Promise<ZoomAccount | null>;
  liveClassesRepo: Pick<LiveClassRepository, 'update'>;
  clock: Clock;
  log: Logger;
}

/** What Aula does in Zoom when a class changes: the meeting follows the class, and staff get a fresh host link. */
export function zoomHooks(deps: ZoomHooksDeps): LiveClassProviderHooks {
  const { api, clock, log } = deps;

  async function accountForClass(cls: LiveClassRecord): Promise<ZoomAccount> {
    if (!cls.providerAccountId) throw new Unprocessable('A Zoom class needs providerAccountId: the Zoom account to create the meeting in');
    const account = await deps.loadAccount(cls.providerAccountId);
    if (!account) throw new Unprocessable(`Zoom account ${cls.providerAccountId} does not exist; create it with POST /api/v1/providers/zoom/accounts`);
    return account;
  }

  const meetingOf = (cls: LiveClassRecord) => ({
    topic: cls.title, startTime: cls.startsAt, durationMinutes: cls.durationMinutes, autoRecording: cls.autoRecord ? ('cloud' as const) : ('none' as const),
  });

  return {
    recordsInProviderCloud: true,
    needsAccount: true,
    hostLinkFields: ['start_url', 'start_url_issued_at'],

    async created(cls) {
      const account = await accountForClass(cls);
      try {
        const meeting = await api.createMeeting(account.credentials, account.hostUser, meetingOf(cls));
        log.info({ liveClassId: cls.id, meetingId: meeting.id }, 'created Zoom meeting');
        return {
          providerMeetingId: String(meeting.id),
          providerData: { uuid: meeting.uuid, join_url: meeting.join_url, start_url: meeting.start_url, start_url_issued_at: isoNow(clock) },
        };
      } catch (err) {
        if (err instanceof ZoomApiError) throw new Unprocessable(`Zoom did not create the meeting, so the class was not scheduled: ${err.message}`);
        throw err;
      }
    },

    async updated(cls) {
      if (!cls.providerMeetingId || cls.status !== 'scheduled') return;
      const account = await accountForClass(cls);
      try {
        await api.updateMeeting(account.credentials, cls.providerMeetingId, meetingOf(cls));
      } catch (err) {
        if (err instanceof ZoomApiError) throw new Unprocessable(`The class was saved in Aula but its Zoom meeting was not updated (${err.message}); save it again to retry`);
        throw err;
      }
    },

    async deleted(cls) {
      if (!cls.providerMeetingId || !cls.providerAccountId) return;
      const account = await deps.loadAccount(cls.providerAccountId);
      if (!account) return;
      try {
        await api.deleteMeeting(account.credentials, cls.providerMeetingId);
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        // The class goes away in Aula either way; a meeting Zoom no longer has is what we wanted.
        if (err.kind !== 'not_found') log.warn({ err, liveClassId: cls.id, meetingId: cls.providerMeetingId }, 'could not delete the Zoom meeting of a deleted class');
      }
    },

    async renewHostLink(cls) {
      const data = cls.providerData;
      if (!cls.providerMeetingId || !data || typeof data.start_url !== 'string') return cls;
      // A class that is over has no meeting left to start.
      if (cls.status === 'ended' || cls.status === 'cancelled') return cls;
      // Classes made before the issue time was kept got their link when they were created.
      const issuedAt = Date.parse(typeof data.start_url_issued_at === 'string' ? data.start_url_issued_at : cls.createdAt);
      const age = clock.now().getTime() - issuedAt;
      if (age < START_URL_RENEW_AFTER_MS) return cls;
      const account = cls.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
      let meeting: ZoomMeeting | null = null;
      try {
        meeting = account && (await api.getMeeting(account.credentials, cls.providerMeetingId));
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        log.warn({ liveClassId: cls.id, meetingId: cls.providerMeetingId, err: err.message }, 'could not renew the Zoom start link');
      }
      if (meeting) {
        const providerData = { ...data, start_url: meeting.start_url, start_url_issued_at: isoNow(clock) };
        await deps.liveClassesRepo.update(cls.id, { providerData, now: isoNow(clock) });
        log.info({ liveClassId: cls.id, meetingId: cls.providerMeetingId }, 'renewed the Zoom start link');
        return { ...cls, providerData };
      }
      if (age < START_URL_LIFETIME_MS) return cls;
      // A lapsed link only fails in Zoom; without one the host starts the meeting from Zoom itself.
      const { start_url: _lapsedLink, ...withoutHostLink } = data;
      return { ...cls, providerData: withoutHostLink };
    },
  };
}
