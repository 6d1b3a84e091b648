import { ApiError, api, type Me } from '../api';
import { el, formatDuration, render } from '../dom';
import { errorMessage, formatDateTime, recordingLabel } from '../format';
import { createPlayer } from '../player';
import type { Playback, RecordingPageView, StaffRecording } from '../types';

/** One recording on its own page (a link an LMS can embed): title, class, date, lesson link, and resume. */
export async function renderRecordingPage(target: HTMLElement, me: Me, recordingId: string): Promise<void> {
  const id = encodeURIComponent(recordingId);
  const staff = me.role !== 'student';
  const fetchPlayback = () => api<Playback>('GET', `/api/v1/recordings/${id}/playback`);
  const crumbs = el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/' }, 'Courses'));
  let view: RecordingPageView;
  let playback: Playback;
  try {
    [view, playback] = await Promise.all([api<RecordingPageView>('GET', `/api/v1/recordings/${id}/view`), fetchPlayback()]);
  } catch (err) {
    // Staff learn why a recording does not play (still processing, failed) from its state.
    const details = staff ? await api<StaffRecording>('GET', `/api/v1/recordings/${id}`).catch(() => null) : null;
    const message = err instanceof ApiError && err.status === 404 ? 'This recording was not found, or it is not ready to play yet.'
      : err instanceof ApiError && err.status === 403 ? 'You do not have access to this recording: it belongs to a batch you are not enrolled in.'
        : errorMessage(err);
    // The link in a failure mail lands here: an admin retries processing from the page.
    const retry = details?.status === 'failed' && me.role === 'admin' ? el('button', { type: 'button', id: 'retry-processing' }, 'Retry processing') : null;
    retry?.addEventListener('click', async () => {
      retry.setAttribute('disabled', 'true');
      try {
        await api('POST', `/api/v1/recordings/${id}/retry`);
        retry.textContent = 'Processing again…';
      } catch (e) {
        retry.removeAttribute('disabled');
        retry.textContent = e instanceof Error ? `Retry failed: ${e.message}` : 'Retry failed';
      }
    });
    render(target, crumbs, el('h1', {}, details?.liveClass.title ?? 'Recording'), el('p', { class: 'error' }, message),
      details ? el('p', {}, el('span', { class: `badge ${details.status}` }, details.status), details.processingError ? ` ${details.processingError}` : '') : '', retry ?? '');
    return;
  }
  const label = recordingLabel(view);
  document.title = `${label} · Aula`;
  if (view.lesson) crumbs.append(' › ', el('a', { href: `/lessons/${encodeURIComponent(view.lesson.id)}?recording=${id}`, class: 'lesson-link' }, view.lesson.title));
  crumbs.append(' › ', el('span', { 'aria-current': 'page' }, label));
  const startAt = Number(new URLSearchParams(location.search).get('t'));
  const player = createPlayer({
    recordingId,
    title: label,
    subtitle: `${view.liveClass.title} · ${formatDateTime(view.startedAt)} · ${formatDuration(view.durationSeconds)}`,
    playback,
    resumeAt: view.progressForViewer?.lastPosition ?? null,
    startAt: Number.isFinite(startAt) && startAt > 0 ? startAt : null,
    durationHint: view.durationSeconds,
    analyticsHref: staff ? `/recordings/${id}/analytics` : null,
    refreshPlayback: fetchPlayback,
  });
  const facts = el('p', { class: 'muted recording-facts' },
    'Class: ', el('strong', { class: 'class-title' }, view.liveClass.title), ' · ',
    el('time', { datetime: view.startedAt }, formatDateTime(view.startedAt)),
    view.lesson ? ' · Lesson: ' : '', view.lesson ? el('a', { href: `/lessons/${encodeURIComponent(view.lesson.id)}` }, view.lesson.title) : '');
  render(target, crumbs, el('h1', {}, label), facts, player.element);
  player.focus();
}
