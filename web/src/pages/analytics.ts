import { ApiError, api, downloadWithToken, type Me } from '../api';
import { el, formatDuration, render } from '../dom';
import { clamp, errorMessage, formatClock, formatDateTime, formatPercent, formatWatchTime } from '../format';
import { bucketAt, drawHeatmap } from '../heatmap';
import type { Batch, BatchMember, RecordingAnalytics, StaffRecording, WatchReport } from '../types';

function failure(target: HTMLElement, err: unknown, what: string) {
  const text = err instanceof ApiError
    ? err.status === 403 ? `Only instructors of this batch and admins can see ${what}.` : err.status === 404 ? `Not found: ${err.message}` : err.message
    : errorMessage(err);
  render(target, el('p', { class: 'error' }, text), el('p', {}, el('a', { href: '/console' }, 'Back to the console')));
}

function stat(name: string, label: string, value: string): HTMLElement {
  return el('div', { class: 'stat', 'data-stat': name }, el('dt', {}, label), el('dd', {}, value));
}

/** A cell's tint grows with the percentage watched. */
function percentCell(percent: number): HTMLTableCellElement {
  const cell = el('td', { class: 'percent', 'data-percent': String(percent) }, formatPercent(percent));
  cell.style.setProperty('--pct', String(clamp(percent, 0, 100) / 100));
  return cell;
}

/** Recording analytics: headline numbers, a heatmap of what was watched, and one row per student. */
export async function renderAnalyticsPage(target: HTMLElement, me: Me, recordingId: string): Promise<void> {
  document.title = 'Analytics · Aula';
  if (me.role === 'student') {
    render(target, el('p', { class: 'muted' }, 'Analytics are for instructors and admins.'));
    return;
  }
  const id = encodeURIComponent(recordingId);
  let data: RecordingAnalytics;
  let rec: StaffRecording | null;
  try {
    [data, rec] = await Promise.all([
      api<RecordingAnalytics>('GET', `/api/v1/recordings/${id}/analytics`),
      api<StaffRecording>('GET', `/api/v1/recordings/${id}`).catch(() => null),
    ]);
  } catch (err) {
    failure(target, err, 'analytics');
    return;
  }
  if (rec && rec.status !== 'ready') {
    const why = rec.status === 'failed' ? `This recording failed to process${rec.processingError ? `: ${rec.processingError}` : ''}. Nobody could watch it, so there are no analytics.`
      : rec.status === 'deleted' ? 'This recording is deleted; nobody can watch it until an admin restores it.'
        : `This recording is ${rec.status}; analytics start once it is ready to watch.`;
    render(target,
      el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/console' }, 'Console'), ' › ', el('span', {}, rec.title), ' › ', el('span', {}, 'Analytics')),
      el('h1', {}, rec.title),
      el('p', { class: 'card not-ready', role: 'status' }, el('span', { class: `badge ${rec.status}` }, rec.status), ' ', why));
    return;
  }
  const batchId = rec?.liveClass.batchId ?? null;
  const members = batchId ? await api<{ items: BatchMember[] }>('GET', `/api/v1/batches/${encodeURIComponent(batchId)}/students`).then((r) => r.items).catch(() => []) : [];
  const people = new Map(members.map((m) => [m.id, m]));
  const title = rec?.liveClass.title ?? 'Recording';
  document.title = `${title} · Analytics · Aula`;

  const canvas = el('canvas', { id: 'heatmap', role: 'img', 'aria-label': `Views across the recording in ${data.heatmap.bucketSeconds}-second steps` });
  const tip = el('div', { class: 'heatmap-tip', id: 'heatmap-tip', hidden: '' });
  const chart = el('div', { class: 'heatmap-wrap' }, canvas, tip);
  let highlight = -1;
  const draw = () => drawHeatmap(canvas, data.heatmap, data.durationSeconds, highlight);
  canvas.addEventListener('pointermove', (e) => {
    const i = bucketAt(canvas, data.heatmap, e.clientX);
    if (i !== highlight) {
      highlight = i;
      draw();
    }
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    const from = i * data.heatmap.bucketSeconds;
    const to = Math.min(from + data.heatmap.bucketSeconds, data.durationSeconds ?? Infinity);
    const views = data.heatmap.views[i] ?? 0;
    tip.textContent = `${formatClock(from)}–${formatClock(to)}: ${views} view${views === 1 ? '' : 's'}`;
    const rect = canvas.getBoundingClientRect();
    tip.style.left = `${clamp(e.clientX - rect.left, 60, rect.width - 60)}px`;
    tip.hidden = false;
  });
  canvas.addEventListener('pointerleave', () => {
    highlight = -1;
    tip.hidden = true;
    draw();
  });

  // Everyone enrolled appears, so an instructor also sees who has not watched at all.
  const seen = new Set(data.viewers.map((v) => v.userId));
  const rows = [
    ...data.viewers.map((v) => ({ ...v, person: people.get(v.userId) })),
    ...members.filter((m) => !seen.has(m.id)).map((m) => ({ userId: m.id, watchedSeconds: 0, watchedPercent: 0, timeSpentSeconds: 0, sessions: 0, person: m })),
  ].sort((a, b) => b.watchedPercent - a.watchedPercent || (a.person?.name ?? '').localeCompare(b.person?.name ?? ''));

  const table = el('table', { id: 'viewers', class: 'data-table' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Student'), el('th', { scope: 'col', class: 'num' }, 'Share of the recording watched'), el('th', { scope: 'col', class: 'num' }, 'Length of the recording watched'), el('th', { scope: 'col', class: 'num' }, 'Time spent playing', el('span', {}, 'rewatching included')), el('th', { scope: 'col', class: 'num' }, 'Sessions'))),
    el('tbody', {}, ...rows.map((r) => el('tr', { 'data-user-id': r.userId },
      el('th', { scope: 'row' }, r.person?.name ?? r.person?.email ?? r.userId, r.person?.name ? el('span', { class: 'muted email' }, r.person.email) : ''),
      percentCell(r.watchedPercent),
      el('td', { class: 'num' }, formatWatchTime(r.watchedSeconds)),
      el('td', { class: 'num' }, formatWatchTime(r.timeSpentSeconds)),
      el('td', { class: 'num' }, String(r.sessions)),
    ))),
  );

  render(
    target,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/console' }, 'Console'), ' › ', el('span', {}, title), ' › ', el('span', {}, 'Analytics')),
    el('div', { class: 'page-head' },
      el('div', {}, el('h1', {}, title), el('p', { class: 'muted' }, rec ? `${formatDateTime(rec.startedAt)} · ${formatDuration(data.durationSeconds)}` : formatDuration(data.durationSeconds))),
      el('div', { class: 'page-links' },
        rec?.liveClass.lessonId ? el('a', { href: `/lessons/${encodeURIComponent(rec.liveClass.lessonId)}?recording=${id}` }, 'Watch') : el('a', { href: `/recordings/${id}` }, 'Watch'),
        batchId ? el('a', { href: `/batches/${encodeURIComponent(batchId)}/report` }, 'Batch watch report') : ''),
    ),
    el('dl', { class: 'stats' },
      stat('views', 'Views', String(data.views)),
      stat('unique-viewers', 'Unique viewers', String(data.uniqueViewers)),
      stat('total-watch', 'Total watch time', formatWatchTime(data.totalWatchSeconds)),
      stat('completion', 'Completion rate', formatPercent(data.completionRate * 100)),
    ),
    el('p', { class: 'muted stats-note' }, 'Completion rate: the share of viewers who watched at least 90 % of the recording. Total watch time counts every second played, rewatching included.'),
    el('section', { class: 'card' }, el('h2', {}, 'What was watched'), el('p', { class: 'muted' }, `Views of each ${data.heatmap.bucketSeconds}-second stretch of the recording.`), chart),
    el('section', { class: 'card' }, el('h2', {}, 'Students'), rows.length ? el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Students (scrolls sideways)' }, table) : el('p', { class: 'muted' }, 'Nobody has watched this recording yet.')),
  );
  draw();
  const resize = new ResizeObserver(() => draw());
  resize.observe(canvas);
}

/** A report column's recording: its class, and its part when the class has several. */
function partLabel(r: WatchReport['recordings'][number], all: WatchReport['recordings']): string {
  const siblings = all.filter((x) => x.liveClassId === r.liveClassId).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const name = r.title && r.title !== r.liveClassTitle ? `${r.liveClassTitle}: ${r.title}` : r.liveClassTitle;
  return siblings.length > 1 ? `${name} · part ${siblings.indexOf(r) + 1}` : name;
}

/** Per student, per recording: the watched percentage of every ready recording of a batch, with a CSV export. */
export async function renderBatchReportPage(target: HTMLElement, me: Me, batchId: string): Promise<void> {
  document.title = 'Watch report · Aula';
  if (me.role === 'student') {
    render(target, el('p', { class: 'muted' }, 'Watch reports are for instructors and admins.'));
    return;
  }
  const id = encodeURIComponent(batchId);
  let report: WatchReport;
  let batch: Batch | null;
  try {
    [report, batch] = await Promise.all([
      api<WatchReport>('GET', `/api/v1/batches/${id}/watch-report`),
      api<Batch>('GET', `/api/v1/batches/${id}`).catch(() => null),
    ]);
  } catch (err) {
    failure(target, err, 'this report');
    return;
  }
  const name = batch?.name ?? 'Batch';
  document.title = `${name} · Watch report · Aula`;

  const csv = el('button', { type: 'button', id: 'csv' }, 'Download CSV');
  const csvError = el('span', { class: 'error', role: 'alert' });
  csv.addEventListener('click', async () => {
    csv.disabled = true;
    csvError.textContent = '';
    try {
      await downloadWithToken(`/api/v1/batches/${id}/watch-report?format=csv`, `watch-report-${batchId}.csv`);
    } catch (err) {
      csvError.textContent = errorMessage(err);
    } finally {
      csv.disabled = false;
    }
  });

  const average = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const table = el('table', { id: 'report', class: 'data-table report-table' },
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Student'),
      ...report.recordings.map((r) => el('th', { scope: 'col', class: 'num', 'data-recording-id': r.id },
        el('a', { href: `/recordings/${encodeURIComponent(r.id)}/analytics` }, partLabel(r, report.recordings)),
        el('span', { class: 'muted' }, `${formatDateTime(r.startedAt)} · ${formatDuration(r.durationSeconds)} · % watched`))),
      el('th', { scope: 'col', class: 'num' }, 'Average'),
    )),
    el('tbody', {}, ...report.students.map((s) => el('tr', { 'data-user-id': s.userId },
      el('th', { scope: 'row' }, s.name ?? s.email, s.name ? el('span', { class: 'muted email' }, s.email) : ''),
      ...report.recordings.map((r) => percentCell(s.recordings.find((x) => x.recordingId === r.id)?.watchedPercent ?? 0)),
      percentCell(Math.round(average(s.recordings.map((x) => x.watchedPercent)) * 10) / 10),
    ))),
    report.students.length > 0 && report.recordings.length > 0
      ? el('tfoot', {}, el('tr', {},
        el('th', { scope: 'row' }, 'Average'),
        ...report.recordings.map((r) => percentCell(Math.round(average(report.students.map((s) => s.recordings.find((x) => x.recordingId === r.id)?.watchedPercent ?? 0)) * 10) / 10)),
        el('td', {}),
      ))
      : '',
  );

  render(
    target,
    el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/console' }, 'Console'), ' › ', el('span', {}, name)),
    el('div', { class: 'page-head' }, el('h1', {}, `${name}: watch report`), el('div', { class: 'page-links' }, csv, csvError)),
    el('p', { class: 'muted' }, `${report.students.length} student${report.students.length === 1 ? '' : 's'} · ${report.recordings.length} ready recording${report.recordings.length === 1 ? '' : 's'}. Each cell is the share of the recording the student has watched.`),
    report.students.length === 0 || report.recordings.length === 0
      ? el('p', { class: 'muted empty' }, report.students.length === 0 ? 'No students are enrolled in this batch.' : 'No recordings are ready yet.')
      : el('div', { class: 'table-scroll card', tabindex: '0', role: 'region', 'aria-label': 'Watch report (scrolls sideways)' }, table),
  );
}
