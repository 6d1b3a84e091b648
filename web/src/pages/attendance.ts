import { ApiError, api, downloadWithToken, type Me } from '../api';
import type { ConnectionQualitySummary } from '../../../src/domain/connection-quality';
import { el, render } from '../dom';
import { errorMessage, formatDateTime, formatPercent, formatWatchTime } from '../format';

interface AttendanceReport {
  liveClass: { id: string; title: string; startedAt: string | null; endedAt: string | null; status: string };
  items: {
    userId: string; name: string; email: string | null; enrolled: boolean;
    sessions: { joinedAt: string; leftAt: string }[]; firstJoinedAt: string | null; lastLeftAt: string | null; secondsPresent: number;
    recordingWatch: { watchedSeconds: number; watchedPercent: number; timeSpentSeconds: number };
    connection: ConnectionQualitySummary | null;
  }[];
}

const percent = (value: number | null) => (value === null ? '–' : `${value.toFixed(value < 1 ? 2 : 1)} %`);

/** A participant's connection in one line: round trip, loss each way and bitrate each way ("↑" from them, "↓" to them). */
function connectionText(c: ConnectionQualitySummary | null): string {
  if (!c) return '–';
  const rtt = c.medianRttMs === null ? 'RTT –' : `RTT ${c.medianRttMs} ms (max ${c.maxRttMs} ms)`;
  return `${rtt} · loss ↑ ${percent(c.upLossPercent)} ↓ ${percent(c.downLossPercent)} · ↑ ${c.upKbps} kb/s ↓ ${c.downKbps} kb/s`;
}

/** One class's attendance: who came and for how long, and how much of its recordings each watched afterwards. */
export async function renderAttendancePage(target: HTMLElement, me: Me, liveClassId: string): Promise<void> {
  document.title = 'Attendance · Aula';
  if (me.role === 'student') {
    render(target, el('h1', {}, 'Attendance'), el('p', { class: 'muted' }, 'Attendance is for instructors and admins.'));
    return;
  }
  const id = encodeURIComponent(liveClassId);
  let report: AttendanceReport;
  try {
    report = await api<AttendanceReport>('GET', `/api/v1/live-classes/${id}/attendance`);
  } catch (err) {
    const text = err instanceof ApiError && err.status === 403 ? 'Only instructors of this batch and admins can see its attendance.' : errorMessage(err);
    render(target, el('h1', {}, 'Attendance'), el('p', { class: 'error' }, text), el('p', {}, el('a', { href: '/console' }, 'Back to the console')));
    return;
  }
  const cls = report.liveClass;
  document.title = `${cls.title} · Attendance · Aula`;
  const came = report.items.filter((r) => r.secondsPresent > 0).length;
  const csv = el('button', { type: 'button', class: 'secondary', id: 'attendance-csv' }, 'Download CSV');
  csv.addEventListener('click', () => void downloadWithToken(`/api/v1/live-classes/${id}/attendance?format=csv`, `attendance-${liveClassId}.csv`).catch((e: unknown) => csv.after(el('p', { class: 'error' }, errorMessage(e)))));
  const rows = report.items.map((r) =>
    el('tr', { 'data-user-id': r.userId },
      el('th', { scope: 'row' }, r.name, r.email ? el('span', { class: 'email muted' }, r.email) : '', r.enrolled ? '' : el('span', { class: 'muted' }, ' (not enrolled)')),
      el('td', {}, r.firstJoinedAt ? formatDateTime(r.firstJoinedAt) : 'Did not join'),
      el('td', {}, r.lastLeftAt ? formatDateTime(r.lastLeftAt) : '–'),
      el('td', { class: 'num present' }, formatWatchTime(r.secondsPresent)),
      el('td', { class: 'num' }, String(r.sessions.length)),
      el('td', { class: 'connection' }, connectionText(r.connection)),
      el('td', { class: 'num watched' }, `${formatPercent(r.recordingWatch.watchedPercent)} (${formatWatchTime(r.recordingWatch.watchedSeconds)})`)));
  render(target,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/console' }, 'Console'), ' › ', el('span', { 'aria-current': 'page' }, 'Attendance')),
    el('div', { class: 'page-head' }, el('h1', {}, `Attendance: ${cls.title}`), csv),
    el('p', { class: 'muted' }, cls.startedAt ? `Held ${formatDateTime(cls.startedAt)}${cls.endedAt ? ` – ${formatDateTime(cls.endedAt)}` : ' (still live)'}` : 'This class has not started.', ` · ${came} of ${report.items.length} came`),
    el('div', { class: 'card table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Attendance (scrolls sideways)' },
      el('table', { class: 'data-table', id: 'attendance' },
        el('caption', { class: 'visually-hidden' }, `Attendance of ${cls.title}`),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Student'), el('th', { scope: 'col' }, 'First joined'), el('th', { scope: 'col' }, 'Last left'),
          el('th', { scope: 'col', class: 'num' }, 'Time present'), el('th', { scope: 'col', class: 'num' }, 'Sessions'),
          el('th', { scope: 'col' }, 'Connection', el('span', {}, 'median round trip, packets lost and bitrate, from them ↑ and to them ↓')),
          el('th', { scope: 'col', class: 'num' }, 'Recordings watched afterwards', el('span', {}, 'share of all its recordings (time)')))),
        el('tbody', {}, ...rows))),
    el('p', { class: 'muted' }, 'Time present counts overlapping sessions (two tabs) once. Connection is measured by Aula\'s media server while they were in the room: high loss or round trip means a bad line rather than leaving.'));
}
