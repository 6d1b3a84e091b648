import { z } from 'zod';
import type { AttendanceRow, LiveRoomService } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { principalOf } from '../../auth';
import { IdParam } from '../../schemas';

export function attendanceCsv(items: AttendanceRow[]): string {
  const esc = (v: string | number | boolean | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s;
  };
  const header = ['user_id', 'name', 'email', 'enrolled', 'first_joined_at', 'last_left_at', 'seconds_present', 'sessions', 'recording_watched_seconds', 'recording_watched_percent',
    'connection_median_rtt_ms', 'connection_max_rtt_ms', 'connection_upload_loss_percent', 'connection_download_loss_percent', 'connection_upload_kbps', 'connection_download_kbps'];
  const lines = items.map((r) =>
    [r.userId, r.name, r.email, r.enrolled, r.firstJoinedAt, r.lastLeftAt, r.secondsPresent, r.sessions.length, r.recordingWatch.watchedSeconds, r.recordingWatch.watchedPercent,
      r.connection?.medianRttMs ?? null, r.connection?.maxRttMs ?? null, r.connection?.upLossPercent ?? null, r.connection?.downLossPercent ?? null, r.connection?.upKbps ?? null, r.connection?.downKbps ?? null].map(esc).join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

export function registerAttendanceRoute(app: HttpApp, rooms: Pick<LiveRoomService, 'attendance'>): void {
  app.get(
    '/api/v1/live-classes/:id/attendance',
    {
      schema: {
        tags: ['live-classes'],
        summary: 'Per-student time present in a native live class, next to their watch time of its recordings (instructors of the batch and admins); ?format=csv for a spreadsheet',
        params: IdParam,
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }),
      },
    },
    async (req, reply) => {
      const report = await rooms.attendance(principalOf(req), req.params.id);
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="attendance-${report.liveClass.id}.csv"`)
          .send(attendanceCsv(report.items));
      }
      return report;
    },
  );
}
