import { api } from '../../api';
import { el, formatDuration, render } from '../../dom';
import { formatDateTime, recordingLabel } from '../../format';
import { createPlayer, type PlayerHandle } from '../../player';
import type { LessonRecording, Playback } from '../../types';
import { errorText } from './error-text';
import type { RecordingList } from './recording-list';

/** Where the chosen recording plays, above the list; opening another one replaces the player. */
export function createPlayerSlot(list: RecordingList, staff: boolean) {
  const element = el('div', { id: 'player-slot' });
  let player: PlayerHandle | null = null;
  // Only the latest recording asked for opens, however the playback requests finish.
  let openSeq = 0;

  function showLoading(rec: LessonRecording) {
    const url = new URL(location.href);
    url.searchParams.set('recording', rec.id);
    url.searchParams.delete('t');
    history.replaceState(null, '', url.pathname + url.search);
    render(element, el('div', { class: 'card player-loading muted' }, `Loading ${rec.liveClass.title}…`));
    element.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }

  async function open(rec: LessonRecording, autoplay: boolean, startAt?: number) {
    const seq = ++openSeq;
    player?.destroy();
    player = null;
    list.markCurrent(rec.id);
    showLoading(rec);
    const fetchPlayback = () => api<Playback>('GET', `/api/v1/recordings/${encodeURIComponent(rec.id)}/playback`);
    let playback: Playback;
    try {
      playback = await fetchPlayback();
    } catch (err) {
      if (seq === openSeq) render(element, el('p', { class: 'card error' }, errorText(err, 'This recording')));
      return;
    }
    if (seq !== openSeq) return;
    const handle = createPlayer({
      recordingId: rec.id,
      title: recordingLabel(rec),
      subtitle: `${formatDateTime(rec.startedAt)} · ${formatDuration(rec.durationSeconds)}`,
      playback,
      resumeAt: rec.progressForViewer?.lastPosition ?? null,
      startAt: startAt ?? null,
      durationHint: rec.durationSeconds,
      analyticsHref: staff ? `/recordings/${encodeURIComponent(rec.id)}/analytics` : null,
      refreshPlayback: fetchPlayback,
      onProgress: (r, position) => list.updateProgress(rec, r.watchedPercent, position),
    });
    player = handle;
    render(element, handle.element);
    // Keyboard and screen-reader users land on the player they asked for.
    handle.focus();
    if (autoplay) handle.play();
  }

  return { element, open };
}
