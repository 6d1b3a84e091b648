import type { ZoomRecordingObject } from '../../../domain/providers/zoom/webhook';
import type { ZoomCall } from './client';
import { ZoomApiError } from './errors';
import type { ZoomCredentials, ZoomMeeting, ZoomMeetingInput, ZoomMeetingRecordings, ZoomRecordingsPage } from './types';
import { encodeMeetingUuid, zoomTime } from './wire';

/** Meetings and their cloud recordings. */
export function createZoomMeetings(call: ZoomCall) {
  return {
    async createMeeting(c: ZoomCredentials, userId: string, m: ZoomMeetingInput): Promise<ZoomMeeting> {
      const meeting = await call<ZoomMeeting>(c, 'POST', `/users/${encodeURIComponent(userId)}/meetings`, {
        topic: m.topic, type: 2, start_time: zoomTime(m.startTime), duration: m.durationMinutes, timezone: 'UTC',
        settings: { auto_recording: m.autoRecording },
      });
      if (!meeting || meeting.id === undefined || !meeting.join_url) throw new ZoomApiError('server', 201, 'Zoom API POST /meetings: the answer has no meeting');
      return meeting;
    },

    async updateMeeting(c: ZoomCredentials, meetingId: string, m: Partial<ZoomMeetingInput>): Promise<void> {
      await call(c, 'PATCH', `/meetings/${encodeURIComponent(meetingId)}`, {
        ...(m.topic !== undefined && { topic: m.topic }),
        ...(m.startTime !== undefined && { start_time: zoomTime(m.startTime), timezone: 'UTC' }),
        ...(m.durationMinutes !== undefined && { duration: m.durationMinutes }),
        ...(m.autoRecording !== undefined && { settings: { auto_recording: m.autoRecording } }),
      });
    },

    /** The meeting as Zoom has it now, with a newly issued `start_url` (the one given at creation lapses after about two hours). */
    async getMeeting(c: ZoomCredentials, meetingId: string): Promise<ZoomMeeting> {
      const meeting = await call<ZoomMeeting>(c, 'GET', `/meetings/${encodeURIComponent(meetingId)}`);
      if (!meeting || typeof meeting.start_url !== 'string' || !meeting.start_url) throw new ZoomApiError('server', 200, 'Zoom API GET /meetings/{meetingId}: the answer has no start_url');
      return meeting;
    },

    async deleteMeeting(c: ZoomCredentials, meetingId: string): Promise<void> {
      await call(c, 'DELETE', `/meetings/${encodeURIComponent(meetingId)}`);
    },

    /** A meeting instance's recording files, with a fresh `download_access_token`. */
    async getMeetingRecordings(c: ZoomCredentials, meetingUuid: string): Promise<ZoomMeetingRecordings> {
      const r = await call<ZoomMeetingRecordings>(c, 'GET', `/meetings/${encodeMeetingUuid(meetingUuid)}/recordings?include_fields=download_access_token`);
      if (!r) throw new ZoomApiError('server', 200, 'Zoom API GET /meetings/{uuid}/recordings: empty answer');
      return r;
    },

    /** Every cloud recording of the user between two dates (yyyy-mm-dd, at most a month apart), page by page. */
    async *listRecordings(c: ZoomCredentials, userId: string, range: { from: string; to: string }): AsyncGenerator<ZoomRecordingObject> {
      let pageToken = '';
      for (let page = 0; page < 1000; page++) {
        const q = new URLSearchParams({ from: range.from, to: range.to, page_size: '300' });
        if (pageToken) q.set('next_page_token', pageToken);
        const r = await call<ZoomRecordingsPage>(c, 'GET', `/users/${encodeURIComponent(userId)}/recordings?${q.toString()}`);
        for (const m of r?.meetings ?? []) yield m;
        pageToken = r?.next_page_token ?? '';
        if (!pageToken) return;
      }
    },
  };
}
