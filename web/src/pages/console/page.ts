import { api, type Me } from '../../api';
import { el, render } from '../../dom';
import type { Batch, LiveClass, StaffRecording } from '../../types';
import { ConsoleBoard } from './board';
import { followChanges } from './live-updates';
import { allPages } from './model';
import { scheduleClassForm } from './schedule-form';

const reportHref = (batchId: string) => `/batches/${encodeURIComponent(batchId)}/report`;

/** The batch filter, the watch report of the chosen batch, and links to every batch's report. */
function toolbar(board: ConsoleBoard): HTMLElement {
  const { batches } = board;
  const filter = el('select', { id: 'batch-filter', 'aria-label': 'Batch' }, el('option', { value: '' }, 'All batches'), ...batches.map((b) => el('option', { value: b.id }, b.name)));
  const reportLink = el('a', { id: 'report-link', hidden: '' }, 'Watch report');
  const showReportLink = () => {
    reportLink.hidden = !board.filteredBatch;
    if (board.filteredBatch) reportLink.href = reportHref(board.filteredBatch);
  };
  filter.value = board.filteredBatch;
  showReportLink();
  filter.addEventListener('change', () => {
    board.filterBatch(filter.value);
    showReportLink();
  });
  return el('div', { class: 'toolbar' },
    el('label', {}, 'Batch ', filter), reportLink,
    batches.length > 0 ? el('span', { class: 'muted batch-reports' }, 'Reports: ', ...batches.flatMap((b, i) => [i > 0 ? ' · ' : '', el('a', { href: reportHref(b.id) }, b.name)])) : '',
  );
}

/** The instructor console: classes to start and end, recordings to start and stop, and their states as they change. */
export async function renderConsolePage(target: HTMLElement, me: Me): Promise<void> {
  document.title = 'Console · Aula';
  if (me.role === 'student') {
    render(target, el('h1', {}, 'Console'), el('p', { class: 'muted' }, 'The console is for instructors and admins.'));
    return;
  }
  render(target, el('h1', {}, 'Console'), el('p', { class: 'muted' }, 'Loading classes…'));

  const [batches, classes, recordings] = await Promise.all([
    api<{ items: Batch[] }>('GET', '/api/v1/batches?limit=200').then((r) => r.items),
    allPages<LiveClass>('/api/v1/live-classes'),
    allPages<StaffRecording>('/api/v1/recordings'),
  ]);
  // An LMS launch opens the console on its course's batch (?batch=).
  const board = new ConsoleBoard(me, batches, classes, recordings, new URLSearchParams(location.search).get('batch') ?? '');
  const scheduleForm = scheduleClassForm(batches, (created) => {
    board.classById.set(created.id, created);
    board.paintSections();
  });
  const liveStatus = el('span', { id: 'live-status', class: 'live-status connecting', role: 'status' }, 'Connecting to live updates…');
  render(
    target,
    el('div', { class: 'page-head' }, el('h1', {}, 'Console'), liveStatus),
    toolbar(board),
    scheduleForm,
    el('section', { 'aria-labelledby': 'upcoming-h' }, el('h2', { id: 'upcoming-h' }, 'Live and upcoming'), board.upcoming),
    el('section', { 'aria-labelledby': 'past-h' }, el('h2', { id: 'past-h' }, 'Past classes'), board.past, board.morePast),
  );
  board.paintSections();
  followChanges(board, liveStatus);
}
