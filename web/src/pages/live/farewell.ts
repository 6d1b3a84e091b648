import type { ViewerRecording } from '../../../../src/contracts/api/recordings';
import { api } from '../../api';
import { el } from '../../dom';

/** Why this page is no longer in the room. */
export type FarewellKind = 'left' | 'ended' | 'removed';

const HEADINGS: Record<FarewellKind, string> = { left: 'You left the class', ended: 'The class has ended', removed: 'You were removed from this class' };
const RECORDING_POLL_MS = 3_000;
const RECORDING_POLLS = 40;

/**
 * The page shown in place of the room once this page has left it: after Leave (with Rejoin), after the end (with
 * the lesson and, once ready, the recording) and after a removal. Nothing of the room stays clickable.
 */
export class FarewellPage {
  readonly root = el('section', { id: 'farewell', class: 'card farewell', hidden: '' });
  private polling = 0;

  constructor(private readonly liveClassId: string) {}

  show(kind: FarewellKind, lessonId: string | null, rejoin: (() => void) | null): void {
    const actions = el('p', { class: 'farewell-actions' });
    if (rejoin) {
      const again = el('button', { type: 'button', id: 'rejoin' }, 'Rejoin');
      again.addEventListener('click', rejoin);
      actions.append(again);
    }
    const lesson = el('a', { id: 'farewell-lesson', href: lessonId ? `/lessons/${encodeURIComponent(lessonId)}` : '/' }, 'Go to the lesson');
    lesson.hidden = !lessonId;
    actions.append(lesson);
    this.root.dataset.kind = kind;
    this.root.replaceChildren(el('h2', {}, HEADINGS[kind]), actions);
    this.root.hidden = false;
    const poll = ++this.polling;
    if (!lessonId) void this.findLesson(lesson, poll);
    if (kind === 'ended') void this.findRecording(actions, poll, 0);
  }

  hide(): void {
    this.polling++;
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  private async findLesson(link: HTMLAnchorElement, poll: number): Promise<void> {
    const cls = await api<{ lessonId: string | null }>('GET', `/api/v1/live-classes/${encodeURIComponent(this.liveClassId)}`).catch(() => null);
    if (poll !== this.polling || !cls?.lessonId) return;
    link.href = `/lessons/${encodeURIComponent(cls.lessonId)}`;
    link.hidden = false;
  }

  /** The class's recording, linked once it is ready (seconds after the end). */
  private async findRecording(actions: HTMLElement, poll: number, attempt: number): Promise<void> {
    const page = await api<{ items: ViewerRecording[] }>('GET', `/api/v1/recordings?liveClassId=${encodeURIComponent(this.liveClassId)}`).catch(() => null);
    if (poll !== this.polling) return;
    const items = page?.items ?? [];
    const ready = items.find((r) => r.status === 'ready');
    if (ready) {
      actions.append(el('a', { id: 'farewell-recording', href: `/recordings/${encodeURIComponent(ready.id)}` }, 'Watch the recording'));
      return;
    }
    const coming = items.some((r) => r.status !== 'failed' && r.status !== 'deleted');
    if (coming && attempt < RECORDING_POLLS) window.setTimeout(() => void this.findRecording(actions, poll, attempt + 1), RECORDING_POLL_MS);
  }
}
