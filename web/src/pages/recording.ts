import { ApiError, api, type Me } from '../api';
import { el, formatDuration, render } from '../dom';
import { formatDateTime } from '../format';
import { createPlayer } from '../player';
import type { Playback, StaffRecording } from '../types';

/** One recording on its own page (a link an LMS can embed); staff also see its state and lesson. */
export async function renderRecordingPage(target: HTMLElement, me: Me, recordingId: string): Promise<void> {
  const id = encodeURIComponent(recordingId);
  const staff = me.role !== 'student';
  const details = staff ? await api<StaffRecording>('GET', `/api/v1/recordings/${id}`).catch(() => null) : null;
  const fetchPlayback = () => api<Playback>('GET', `/api/v1/recordings/${id}/playback`);
  const crumbs = el('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, el('a', { href: '/' }, 'Courses'));
  if (details?.liveClass.lessonId) crumbs.append(' › ', el('a', { href: `/lessons/${encodeURIComponent(details.liveClass.lessonId)}?recording=${id}` }, 'Lesson'));
  let playback: Playback;
  try {
    playback = await fetchPlayback();
  } catch (err) {
    const message = err instanceof ApiError && err.status === 404 ? 'This recording was not found, or it is not ready to play yet.' : err instanceof Error ? err.message : String(err);
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
    render(target, crumbs, details ? el('h1', {}, details.liveClass.title) : '', el('p', { class: 'error' }, message),
      details ? el('p', {}, el('span', { class: `badge ${details.status}` }, details.status), details.processingError ? ` ${details.processingError}` : '') : '', retry ?? '');
    return;
  }
  const title = details?.liveClass.title ?? 'Recording';
  document.title = `${title} · Aula`;
  const player = createPlayer({
    recordingId,
    title,
    ...(details && { subtitle: `${formatDateTime(details.startedAt)} · ${formatDuration(details.durationSeconds)}` }),
    playback,
    resumeAt: null,
    durationHint: details?.durationSeconds ?? null,
    analyticsHref: staff ? `/recordings/${id}/analytics` : null,
    refreshPlayback: fetchPlayback,
  });
  render(target, crumbs, player.element);
}
