import { ApiError, api } from '../api';
import { el, formatDuration, render } from '../dom';
import { createPlayer } from '../player';
import type { Playback } from '../types';

interface SharedRecording {
  shareLinkId: string;
  label: string;
  expiresAt: string;
  recording: { id: string; title: string; durationSeconds: number | null };
  playback: Playback;
}

/** A recording shared by link: plays in any browser, without an account, until the link is revoked or expires. */
export async function renderSharePage(target: HTMLElement, token: string): Promise<void> {
  const path = `/api/v1/shared/${encodeURIComponent(token)}`;
  let shared: SharedRecording;
  try {
    shared = await api<SharedRecording>('GET', path);
  } catch (err) {
    const message = err instanceof ApiError ? err.message : 'This link could not be opened.';
    render(target, el('h1', {}, 'Shared recording'), el('p', { class: 'error', role: 'alert', id: 'share-error' }, message));
    return;
  }
  document.title = `${shared.recording.title} · Aula`;
  const player = createPlayer({
    recordingId: shared.recording.id,
    title: shared.recording.title,
    subtitle: `${formatDuration(shared.recording.durationSeconds)} · shared until ${new Date(shared.expiresAt).toLocaleString()}`,
    playback: shared.playback,
    resumeAt: null,
    durationHint: shared.recording.durationSeconds,
    analyticsHref: null,
    progressPath: `${path}/progress`,
    refreshPlayback: async () => (await api<SharedRecording>('GET', path)).playback,
  });
  render(target, player.element);
}
