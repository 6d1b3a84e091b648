import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Unauthenticated } from '../../../domain/errors';
import type { Principal } from '../../../domain/identity';
import type { AttendanceRow, LiveRoomService } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { principalOf } from '../../auth';
import { IdParam } from '../../schemas';
import { ROOM_GRANT_HEADER, type RoomGrants } from './grants';

type Forwarded = { status: number; contentType: string; disposition: string | null; body: string };
const FORWARD_TIMEOUT_MS = 10_000;

/** The report as the process hosting the open room computes it (it holds the room's latest entries); null if it does not answer. */
async function fromHost(host: string, liveClassId: string, format: string, grant: string): Promise<Forwarded | null> {
  try {
    const res = await fetch(`${host}/api/v1/live-classes/${encodeURIComponent(liveClassId)}/attendance?format=${format}`, {
      headers: { [ROOM_GRANT_HEADER]: grant },
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? 'application/json', disposition: res.headers.get('content-disposition'), body: await res.text() };
  } catch {
    return null;
  }
}

/** A request forwarded by another process carries a grant instead of the user's credentials. */
function viewerOf(req: FastifyRequest, grants: RoomGrants, liveClassId: string): { viewer: Principal; forwarded: boolean } {
  const header = req.headers[ROOM_GRANT_HEADER];
  if (header === undefined) return { viewer: principalOf(req), forwarded: false };
  const check = grants.check(header, liveClassId);
  if (!check.ok) throw new Unauthenticated('This forwarded request carries no valid grant');
  return { viewer: check.principal, forwarded: true };
}

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

export function registerAttendanceRoute(app: HttpApp, rooms: Pick<LiveRoomService, 'attendance' | 'hostElsewhere'>, grants: RoomGrants): void {
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
      const { viewer, forwarded } = viewerOf(req, grants, req.params.id);
      const host = forwarded ? null : await rooms.hostElsewhere(req.params.id);
      const answer = host ? await fromHost(host, req.params.id, req.query.format, grants.issue(req.params.id, host, viewer)) : null;
      if (answer) {
        if (answer.disposition) reply.header('content-disposition', answer.disposition);
        return reply.status(answer.status).type(answer.contentType).send(answer.body);
      }
      const report = await rooms.attendance(viewer, req.params.id);
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
