import { ApiError, api, downloadWithToken, getToken, type Me, uploadFile } from '../api';
import { el, formatDuration, render } from '../dom';
import { formatDateTime, formatStartsIn } from '../format';
import { defaultAutoRecord } from '../../../src/domain/live-class-rules';
import { classEditor, dismissedRecordings, fillProviderAccounts, localDateTimeValue, phaseOf, recordingActions, startFromInput } from './console-actions';
import type { Batch, FeedChangeKind, LiveClass, LiveClassChange, Page, RecordingChange, RecordingProgress, RecordingStatus, StaffRecording } from '../types';

/** What a console row needs of a recording; the API's recording shapes all carry these. */
interface ConsoleRecording {
  id: string;
  liveClassId: string;
  title: string;
  status: RecordingStatus;
  startedAt: string | null;
  durationSeconds: number | null;
  progress: RecordingProgress | null;
  processingError: string | null;
}

const PAST_PAGE = 25;
const MAX_PAGES = 5;

async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api<Page<T>>('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "processing 45%" while processing, otherwise the status itself. */
export function badgeText(status: RecordingStatus, progress: RecordingProgress | null): string {
  return status === 'processing' && progress ? `${status} ${Math.round(progress.percent)}%` : status;
}

/** The instructor console: classes to start and end, recordings to start and stop, and their states as they change. */
export async function renderConsolePage(target: HTMLElement, me: Me): Promise<void> {
  document.title = 'Console · Aula';
  if (me.role === 'student') {
    render(target, el('h1', {}, 'Console'), el('p', { class: 'muted' }, 'The console is for instructors and admins.'));
    return;
  }
  render(target, el('h1', {}, 'Console'), el('p', { class: 'muted' }, 'Loading classes…'));

  const [batches, classes, recordingList] = await Promise.all([
    api<{ items: Batch[] }>('GET', '/api/v1/batches?limit=200').then((r) => r.items),
    allPages<LiveClass>('/api/v1/live-classes'),
    allPages<StaffRecording>('/api/v1/recordings'),
  ]);
  const batchNames = new Map(batches.map((b) => [b.id, b.name]));
  const classById = new Map(classes.map((c) => [c.id, c]));
  const recordings = new Map<string, ConsoleRecording>();
  // Admins keep deleted recordings in view, to restore them.
  const admin = me.role === 'admin';
  for (const r of recordingList) if (r.status !== 'deleted' || admin) recordings.set(r.id, r);
  const dismissed = dismissedRecordings();
  const rows = new Map<string, HTMLElement>();
  // An LMS launch opens the console on its course's batch (?batch=).
  const wantedBatch = new URLSearchParams(location.search).get('batch') ?? '';
  let batchFilter = batches.some((b) => b.id === wantedBatch) ? wantedBatch : '';
  const uploads = new Map<string, { element: HTMLElement }>(); // class id → its upload in progress
  const asking = new Map<string, HTMLElement>(); // class id → the title form of a file chosen, not yet sent
  let pastShown = PAST_PAGE;

  // ------------------------------------------------------------ recordings
  function recordingsOf(classId: string): ConsoleRecording[] {
    return [...recordings.values()].filter((r) => r.liveClassId === classId && !(r.status === 'failed' && dismissed.has(r.id))).sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  }

  function paintBadge(badge: HTMLElement, rec: ConsoleRecording) {
    badge.className = `badge ${rec.status}`;
    badge.textContent = badgeText(rec.status, rec.progress);
    badge.title = rec.progress ? `${rec.progress.stage} · ${Math.round(rec.progress.percent)}%` : rec.status;
  }

  function recordingItem(rec: ConsoleRecording): HTMLLIElement {
    const badge = el('span', { class: 'badge', 'data-recording-id': rec.id });
    const li = el('li', { class: 'recording-item', 'data-recording-id': rec.id });
    fillRecordingItem(li, badge, rec);
    return li;
  }

  function fillRecordingItem(li: HTMLLIElement, badge: HTMLElement, rec: ConsoleRecording) {
    paintBadge(badge, rec);
    const cls = classById.get(rec.liveClassId);
    const links = el('span', { class: 'recording-links' });
    const analytics = el('a', { href: `/recordings/${encodeURIComponent(rec.id)}/analytics`, class: 'analytics-link' }, 'Analytics');
    links.append(analytics);
    if (rec.status === 'ready') {
      const watch = cls?.lessonId ? `/lessons/${encodeURIComponent(cls.lessonId)}?recording=${encodeURIComponent(rec.id)}` : `/recordings/${encodeURIComponent(rec.id)}`;
      links.append(el('a', { href: watch, class: 'watch-link' }, 'Watch'));
    }
    const children: (Node | string)[] = [
      badge,
      el('span', { class: 'recording-title' }, rec.title),
      el('span', { class: 'muted' }, `${formatDateTime(rec.startedAt)}${rec.durationSeconds ? ` · ${formatDuration(rec.durationSeconds)}` : ''}`),
      links,
    ];
    if (rec.status === 'recording') {
      const stop = el('button', { type: 'button', class: 'stop-recording danger small', 'data-recording-id': rec.id }, 'Stop recording');
      stop.addEventListener('click', () => void act(rec.liveClassId, stop, async () => {
        const updated = await api<ConsoleRecording>('POST', `/api/v1/recordings/${encodeURIComponent(rec.id)}/stop`);
        upsertRecording({ ...rec, ...updated });
      }));
      children.push(stop);
    }
    children.push(recordingActions(rec, me, (button, work) => void act(rec.liveClassId, button, work), (changed) => upsertRecording({ ...rec, ...changed, liveClassId: rec.liveClassId }), () => {
      dismissed.add(rec.id);
      li.remove();
    }));
    if (rec.status === 'failed' && rec.processingError) children.push(el('span', { class: 'error processing-error' }, rec.processingError));
    li.replaceChildren(...children);
  }

  function upsertRecording(rec: ConsoleRecording) {
    if (rec.status === 'deleted' && !admin) {
      recordings.delete(rec.id);
      document.querySelector(`li.recording-item[data-recording-id="${CSS.escape(rec.id)}"]`)?.remove();
      return;
    }
    const known = recordings.has(rec.id);
    recordings.set(rec.id, rec);
    const li = document.querySelector<HTMLLIElement>(`li.recording-item[data-recording-id="${CSS.escape(rec.id)}"]`);
    const badge = li?.querySelector<HTMLElement>('span.badge[data-recording-id]');
    // Updated in place, so the badge a viewer is looking at changes rather than being swapped out.
    if (li && badge) fillRecordingItem(li, badge, rec);
    if (!known || !li) repaintRow(rec.liveClassId);
    else repaintActions(rec.liveClassId);
  }

  // ------------------------------------------------------------ class rows
  async function act(classId: string, button: HTMLButtonElement, work: () => Promise<void>) {
    const row = rows.get(classId);
    const error = row?.querySelector<HTMLElement>('.row-error');
    if (error) error.textContent = '';
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      const target = rows.get(classId)?.querySelector<HTMLElement>('.row-error');
      if (target) target.textContent = err instanceof ApiError ? err.message : message(err);
    } finally {
      button.disabled = false;
    }
  }

  function actionsFor(cls: LiveClass): HTMLElement {
    const box = el('div', { class: 'actions' });
    if (cls.status === 'scheduled') {
      const start = el('button', { type: 'button', class: 'start-class' }, 'Start class');
      start.addEventListener('click', () => void act(cls.id, start, async () => {
        const r = await api<{ liveClass: LiveClass; recording: ConsoleRecording | null }>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/start`);
        classById.set(cls.id, { ...cls, ...r.liveClass });
        if (r.recording) recordings.set(r.recording.id, { ...r.recording, liveClassId: cls.id });
        paintSections();
      }));
      box.append(start, classEditor(cls, (saved) => {
        classById.set(saved.id, saved);
        paintSections();
      }, () => {
        classById.delete(cls.id);
        paintSections();
      }));
    }
    if (cls.status !== 'cancelled') box.append(uploadControl(cls));
    if (cls.provider === 'native' && (cls.status === 'live' || cls.status === 'ended')) {
      const attendance = el('button', { type: 'button', class: 'attendance-csv secondary' }, 'Attendance CSV');
      attendance.addEventListener('click', () => void act(cls.id, attendance, () => downloadWithToken(`/api/v1/live-classes/${encodeURIComponent(cls.id)}/attendance?format=csv`, `attendance-${cls.id}.csv`)));
      box.append(attendance, el('a', { href: `/live-classes/${encodeURIComponent(cls.id)}/attendance`, class: 'button-link attendance-page' }, 'Attendance'));
    }
    if (cls.status === 'live') {
      const recording = recordingsOf(cls.id).some((r) => r.status === 'recording');
      if (!recording) {
        const rec = el('button', { type: 'button', class: 'start-recording secondary' }, '● Record');
        rec.addEventListener('click', () => void act(cls.id, rec, async () => {
          const created = await api<ConsoleRecording>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/recordings`);
          upsertRecording({ ...created, liveClassId: cls.id });
        }));
        box.append(rec);
      }
      const end = el('button', { type: 'button', class: 'end-class danger' }, 'End class');
      end.addEventListener('click', () => void act(cls.id, end, async () => {
        const r = await api<{ liveClass: LiveClass; stoppedRecordings: ConsoleRecording[] }>('POST', `/api/v1/live-classes/${encodeURIComponent(cls.id)}/end`);
        classById.set(cls.id, { ...cls, ...r.liveClass });
        for (const s of r.stoppedRecordings) recordings.set(s.id, { ...s, liveClassId: cls.id });
        paintSections();
      }));
      box.append(end);
    }
    return box;
  }

  /**
   * "Upload recording": a file made elsewhere becomes one more recording of the class. Its title is asked for (the
   * file name is only the suggestion); a progress bar shows what has been sent, and the upload can be cancelled.
   */
  function uploadControl(cls: LiveClass): HTMLElement {
    const input = el('input', { type: 'file', accept: 'video/*,audio/*,.mkv,.webm,.mp4,.m4a,.mov', class: 'upload-input', hidden: '' });
    const button = el('button', { type: 'button', class: 'upload-recording secondary' }, 'Upload recording');
    const busy = uploads.get(cls.id);
    if (busy) return busy.element;
    // A title being typed survives the repaints that live updates make of the row.
    const pending = asking.get(cls.id);
    if (pending) return pending;
    button.addEventListener('click', () => input.click());
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      const titleId = `upload-title-${cls.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
      const title = el('input', { id: titleId, class: 'upload-title', required: '', maxlength: '300', value: file.name.replace(/\.[^.]+$/, '').slice(0, 300) || cls.title });
      const send = el('button', { type: 'submit', class: 'small' }, 'Upload');
      const cancel = el('button', { type: 'button', class: 'secondary small' }, 'Cancel');
      const ask = el('form', { class: 'upload-ask' }, el('label', { for: titleId }, 'Title of the recording '), title, send, cancel);
      cancel.addEventListener('click', () => {
        asking.delete(cls.id);
        repaintActions(cls.id);
      });
      ask.addEventListener('submit', (e) => {
        e.preventDefault();
        asking.delete(cls.id);
        startUpload(cls, file, title.value.trim() || cls.title);
      });
      asking.set(cls.id, ask);
      button.replaceWith(ask);
      title.focus();
      title.select();
    });
    return el('span', { class: 'upload' }, button, input);
  }

  function startUpload(cls: LiveClass, file: File, title: string) {
    const path = `/api/v1/live-classes/${encodeURIComponent(cls.id)}/uploads?filename=${encodeURIComponent(file.name)}&title=${encodeURIComponent(title)}`;
    const abort = new AbortController();
    const bar = el('progress', { class: 'upload-progress', max: '100', value: '0', 'aria-label': `Uploading ${title}` });
    const label = el('span', { class: 'upload-percent' }, '0%');
    const cancel = el('button', { type: 'button', class: 'secondary small cancel-upload' }, 'Cancel upload');
    cancel.addEventListener('click', () => abort.abort());
    const element = el('span', { class: 'upload uploading' }, bar, label, cancel);
    uploads.set(cls.id, { element });
    repaintActions(cls.id);
    void uploadFile<ConsoleRecording>(path, file, (fraction) => {
      const percent = Math.floor(fraction * 100);
      bar.value = percent;
      label.textContent = `${percent}%`;
    }, abort.signal)
      .then((created) => upsertRecording({ ...created, liveClassId: cls.id }), (err: unknown) => {
        const target = rows.get(cls.id)?.querySelector<HTMLElement>('.row-error');
        if (target) target.textContent = err instanceof ApiError && err.code === 'cancelled' ? 'Upload cancelled; nothing was kept.' : message(err);
      })
      .finally(() => {
        uploads.delete(cls.id);
        repaintActions(cls.id);
      });
  }

  function classRow(cls: LiveClass): HTMLElement {
    const recs = recordingsOf(cls.id);
    const when = cls.startedAt && cls.status !== 'scheduled'
      ? `${formatDateTime(cls.startedAt)}${cls.endedAt ? ` – ${formatDateTime(cls.endedAt)}` : ''}`
      : `${formatDateTime(cls.startsAt)} · ${cls.durationMinutes} min`;
    const row = el('article', { class: `class-row card status-${cls.status}`, 'data-live-class-id': cls.id, 'data-status': cls.status },
      el('div', { class: 'class-head' },
        el('div', {},
          el('h3', {}, cls.title, ' ', el('span', { class: `badge class-status ${phaseOf(cls) === 'missed' ? 'missed' : cls.status}` }, phaseOf(cls) === 'missed' ? 'missed' : cls.status)),
          el('p', { class: 'muted' }, `${batchNames.get(cls.batchId) ?? 'Batch'} · ${when} · ${cls.provider}${cls.autoRecord ? ' · auto-record' : ''}`),
        ),
        actionsFor(cls),
      ),
      el('p', { class: 'error row-error', role: 'alert' }),
      recs.length > 0 ? el('ul', { class: 'plain class-recordings' }, ...recs.map(recordingItem)) : el('p', { class: 'muted no-recordings' }, cls.status === 'scheduled' ? '' : 'No recordings.'),
    );
    rows.set(cls.id, row);
    return row;
  }

  function repaintRow(classId: string) {
    const cls = classById.get(classId);
    const old = rows.get(classId);
    if (!cls || !old) return;
    old.replaceWith(classRow(cls));
  }

  function repaintActions(classId: string) {
    const cls = classById.get(classId);
    const row = rows.get(classId);
    if (cls && row) row.querySelector('.actions')?.replaceWith(actionsFor(cls));
  }

  // ------------------------------------------------------------ layout
  const upcoming = el('div', { class: 'class-list', id: 'upcoming' });
  const past = el('div', { class: 'class-list', id: 'past' });
  const morePast = el('button', { type: 'button', class: 'secondary', hidden: '' }, 'Show older classes');
  morePast.addEventListener('click', () => {
    pastShown += PAST_PAGE;
    paintSections();
  });

  function paintSections() {
    rows.clear();
    const visible = [...classById.values()].filter((c) => !batchFilter || c.batchId === batchFilter);
    const soon = visible.filter((c) => c.status === 'live' || (c.status === 'scheduled' && phaseOf(c) !== 'missed' && phaseOf(c) !== 'ended'))
      .sort((a, b) => (a.status === b.status ? a.startsAt.localeCompare(b.startsAt) : a.status === 'live' ? -1 : 1));
    const done = visible.filter((c) => c.status === 'ended' || c.status === 'cancelled' || phaseOf(c) === 'missed' || phaseOf(c) === 'ended')
      .sort((a, b) => (b.startedAt ?? b.startsAt).localeCompare(a.startedAt ?? a.startsAt));
    render(upcoming, ...(soon.length ? soon.map(classRow) : [el('p', { class: 'muted' }, 'No classes are live or scheduled.')]));
    render(past, ...(done.length ? done.slice(0, pastShown).map(classRow) : [el('p', { class: 'muted' }, 'No past classes.')]));
    morePast.hidden = done.length <= pastShown;
  }

  const filter = el('select', { id: 'batch-filter', 'aria-label': 'Batch' }, el('option', { value: '' }, 'All batches'), ...batches.map((b) => el('option', { value: b.id }, b.name)));
  const reportLink = el('a', { id: 'report-link', hidden: '' }, 'Watch report');
  filter.value = batchFilter;
  if (batchFilter) {
    reportLink.hidden = false;
    reportLink.href = `/batches/${encodeURIComponent(batchFilter)}/report`;
  }
  filter.addEventListener('change', () => {
    batchFilter = filter.value;
    reportLink.hidden = !batchFilter;
    if (batchFilter) reportLink.href = `/batches/${encodeURIComponent(batchFilter)}/report`;
    pastShown = PAST_PAGE;
    paintSections();
  });
  const scheduleForm = scheduleClassForm(batches, (created) => {
    classById.set(created.id, created);
    paintSections();
  });
  const liveStatus = el('span', { id: 'live-status', class: 'live-status connecting', role: 'status' }, 'Connecting to live updates…');

  render(
    target,
    el('div', { class: 'page-head' }, el('h1', {}, 'Console'), liveStatus),
    el('div', { class: 'toolbar' },
      el('label', {}, 'Batch ', filter), reportLink,
      batches.length > 0 ? el('span', { class: 'muted batch-reports' }, 'Reports: ', ...batches.flatMap((b, i) => [i > 0 ? ' · ' : '', el('a', { href: `/batches/${encodeURIComponent(b.id)}/report` }, b.name)])) : '',
    ),
    scheduleForm,
    el('section', { 'aria-labelledby': 'upcoming-h' }, el('h2', { id: 'upcoming-h' }, 'Live and upcoming'), upcoming),
    el('section', { 'aria-labelledby': 'past-h' }, el('h2', { id: 'past-h' }, 'Past classes'), past, morePast),
  );
  paintSections();

  // ------------------------------------------------------------ live updates
  const token = getToken();
  if (!token || typeof EventSource === 'undefined') {
    liveStatus.textContent = 'Live updates are off; reload to refresh.';
    liveStatus.className = 'live-status off';
    return;
  }
  let hadError = false;
  const events = new EventSource(`/api/v1/events?token=${encodeURIComponent(token)}`);
  events.addEventListener('open', () => {
    liveStatus.textContent = 'Live updates on';
    liveStatus.className = 'live-status on';
    if (hadError) void resync();
    hadError = false;
  });
  events.addEventListener('error', () => {
    hadError = true;
    const closed = events.readyState === EventSource.CLOSED;
    liveStatus.textContent = closed ? 'Live updates stopped; reload the page.' : 'Reconnecting…';
    liveStatus.className = `live-status ${closed ? 'off' : 'connecting'}`;
  });
  // Each event carries one JSON change; a malformed one is ignored.
  const onChange = <T>(name: FeedChangeKind, apply: (change: T) => Promise<void>) =>
    events.addEventListener(name, (e) => {
      let change: T;
      try {
        change = JSON.parse((e as MessageEvent<string>).data) as T;
      } catch {
        return;
      }
      void apply(change);
    });
  onChange<RecordingChange>('recording', applyChange);
  onChange<LiveClassChange>('live-class', applyClassChange);
  window.addEventListener('pagehide', () => events.close(), { once: true });

  /** A class started, ended, scheduled or cancelled elsewhere (its live page, another console, Zoom) moves here too. */
  async function applyClassChange(change: LiveClassChange) {
    if (change.deleted) {
      if (classById.delete(change.liveClassId)) paintSections();
      return;
    }
    try {
      const cls = await api<LiveClass>('GET', `/api/v1/live-classes/${encodeURIComponent(change.liveClassId)}`);
      const known = classById.get(cls.id);
      classById.set(cls.id, cls);
      if (!known || known.status !== cls.status) paintSections();
      else repaintRow(cls.id);
    } catch {
      /* deleted meanwhile, or not ours to see */
    }
  }

  async function applyChange(change: RecordingChange) {
    const known = recordings.get(change.recordingId);
    if (known) {
      upsertRecording({ ...known, status: change.status, progress: change.progress, processingError: change.processingError });
      return;
    }
    if (!classById.has(change.liveClassId)) return;
    // A recording this page has not seen (started elsewhere): fetch it once, then follow its changes.
    try {
      const rec = await api<StaffRecording>('GET', `/api/v1/recordings/${encodeURIComponent(change.recordingId)}`);
      upsertRecording(rec);
    } catch {
      /* it may have been deleted meanwhile */
    }
  }

  /** After a dropped connection, catch up on changes missed meanwhile. */
  async function resync() {
    try {
      const fresh = await allPages<StaffRecording>('/api/v1/recordings');
      for (const r of fresh) {
        const old = recordings.get(r.id);
        if (!old || old.status !== r.status || old.progress?.percent !== r.progress?.percent) upsertRecording(r);
      }
    } catch {
      /* the next reconnect tries again */
    }
  }
}

/** Lessons of the courses a batch takes, in course and chapter order, for the lesson picker. */
async function lessonsOfBatch(batch: Batch): Promise<{ id: string; title: string }[]> {
  const lessons: { id: string; title: string }[] = [];
  for (const courseId of batch.courseIds) {
    const course = await api<{ title: string }>('GET', `/api/v1/courses/${encodeURIComponent(courseId)}`);
    const chapters = await api<{ items: { id: string; title: string }[] }>('GET', `/api/v1/courses/${encodeURIComponent(courseId)}/chapters`);
    for (const chapter of chapters.items) {
      const items = await api<{ items: { id: string; title: string }[] }>('GET', `/api/v1/chapters/${encodeURIComponent(chapter.id)}/lessons`);
      for (const l of items.items) lessons.push({ id: l.id, title: `${course.title} › ${chapter.title} › ${l.title}` });
    }
  }
  return lessons;
}

/** "Schedule a class": title, batch, optional lesson, provider, time, length and auto-record. */
function scheduleClassForm(batches: Batch[], onCreated: (cls: LiveClass) => void): HTMLElement {
  const title = el('input', { name: 'title', required: '', maxlength: '300', placeholder: 'e.g. Week 3 lecture' });
  const batch = el('select', { name: 'batchId', required: '' }, ...batches.map((b) => el('option', { value: b.id }, b.name)));
  const lesson = el('select', { name: 'lessonId' }, el('option', { value: '' }, 'No lesson'));
  const provider = el('select', { name: 'provider' },
    el('option', { value: 'native' }, 'Aula (in the browser)'), el('option', { value: 'upload' }, 'Recordings uploaded later'), el('option', { value: 'zoom' }, 'Zoom'));
  const account = el('select', { name: 'providerAccountId' });
  const accountNote = el('span', { class: 'muted account-note', role: 'status' });
  const accountLabel = el('label', { hidden: '' }, 'Zoom account ', account, accountNote);
  // No `min`: the browser's own bubble would stop the form before it can say why the time is refused.
  const startsAt = el('input', { name: 'startsAt', type: 'datetime-local', required: '', value: localDateTimeValue(new Date(Date.now() + 3_600_000)) });
  const duration = el('input', { name: 'durationMinutes', type: 'number', min: '1', max: '1440', value: '60', required: '' });
  const autoRecord = el('input', { name: 'autoRecord', type: 'checkbox', checked: '' });
  const error = el('p', { class: 'error', role: 'alert' });
  const confirmation = el('p', { class: 'confirmation', role: 'status' });
  // Auto-record follows what the chosen provider can do (nothing to record in an upload class).
  provider.addEventListener('change', () => {
    autoRecord.checked = defaultAutoRecord(provider.value as Parameters<typeof defaultAutoRecord>[0]);
    void fillProviderAccounts(provider.value, account, accountNote);
  });
  const submit = el('button', { type: 'submit' }, 'Schedule');
  const form = el('form', { id: 'schedule-class', class: 'card schedule-form' },
    el('label', {}, 'Title ', title), el('label', {}, 'Batch ', batch), el('label', {}, 'Lesson ', lesson), el('label', {}, 'Where ', provider), accountLabel,
    el('label', {}, 'Starts ', startsAt), el('label', {}, 'Minutes ', duration), el('label', { class: 'check' }, autoRecord, ' Record automatically'),
    submit, error, confirmation);

  const lessonCache = new Map<string, { id: string; title: string }[]>();
  async function fillLessons() {
    const chosen = batches.find((b) => b.id === batch.value);
    lesson.replaceChildren(el('option', { value: '' }, 'No lesson'));
    if (!chosen) return;
    try {
      const list = lessonCache.get(chosen.id) ?? (await lessonsOfBatch(chosen));
      lessonCache.set(chosen.id, list);
      if (batch.value === chosen.id) lesson.append(...list.map((l) => el('option', { value: l.id }, l.title)));
    } catch (err) {
      error.textContent = `Lessons could not be loaded: ${message(err)}`;
    }
  }
  batch.addEventListener('change', () => void fillLessons());
  void fillLessons();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    confirmation.textContent = '';
    const start = startFromInput(startsAt.value, provider.value);
    if ('error' in start) {
      error.textContent = start.error;
      return;
    }
    if (provider.value === 'zoom' && !account.value) {
      error.textContent = accountNote.textContent || 'Choose the Zoom account to create the meeting in';
      return;
    }
    submit.disabled = true;
    void api<LiveClass>('POST', '/api/v1/live-classes', {
      title: title.value.trim(), batchId: batch.value, lessonId: lesson.value || null, provider: provider.value,
      startsAt: start.at.toISOString(), durationMinutes: Number(duration.value), autoRecord: autoRecord.checked,
      ...(provider.value === 'zoom' && { providerAccountId: account.value }),
    })
      .then((created) => {
        onCreated(created);
        title.value = '';
        confirmation.textContent = `Scheduled “${created.title}” for ${formatDateTime(created.startsAt)} (${formatStartsIn(created.startsAt).toLowerCase()}); students of the batch see it on their home page.`;
      })
      .catch((err: unknown) => {
        error.textContent = message(err);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return el('details', { class: 'schedule' }, el('summary', {}, 'Schedule a class'), form);
}

