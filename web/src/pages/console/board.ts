import { ApiError, type Me } from '../../api';
import { el, render } from '../../dom';
import { errorMessage } from '../../format';
import type { Batch, LiveClass, StaffRecording } from '../../types';
import { classRow } from './class-row';
import { actionsFor } from './class-actions';
import { type ConsoleRecording, phaseOf } from './model';
import { dismissedRecordings } from './recording-actions';
import { fillRecordingItem } from './recording-item';

const PAST_PAGE = 25;

/**
 * What the console shows and holds: the classes and recordings it knows, the rows painted for them, uploads under
 * way, and the two sections (live and upcoming, past). Every change goes through here, so a row repaints in place.
 */
export class ConsoleBoard {
  readonly admin: boolean;
  readonly batchNames: Map<string, string>;
  readonly classById: Map<string, LiveClass>;
  readonly recordings = new Map<string, ConsoleRecording>();
  readonly dismissed = dismissedRecordings();
  readonly rows = new Map<string, HTMLElement>();
  /** Class id → its upload in progress. */
  readonly uploads = new Map<string, { element: HTMLElement }>();
  /** Class id → the title form of a file chosen, not yet sent. */
  readonly asking = new Map<string, HTMLElement>();
  readonly upcoming = el('div', { class: 'class-list', id: 'upcoming' });
  readonly past = el('div', { class: 'class-list', id: 'past' });
  readonly morePast = el('button', { type: 'button', class: 'secondary', hidden: '' }, 'Show older classes');
  private batchFilter: string;
  private pastShown = PAST_PAGE;

  constructor(readonly me: Me, readonly batches: Batch[], classes: LiveClass[], recordingList: StaffRecording[], wantedBatch: string) {
    this.batchNames = new Map(batches.map((b) => [b.id, b.name]));
    this.classById = new Map(classes.map((c) => [c.id, c]));
    // Admins keep deleted recordings in view, to restore them.
    this.admin = me.role === 'admin';
    for (const r of recordingList) if (r.status !== 'deleted' || this.admin) this.recordings.set(r.id, r);
    this.batchFilter = batches.some((b) => b.id === wantedBatch) ? wantedBatch : '';
    this.morePast.addEventListener('click', () => {
      this.pastShown += PAST_PAGE;
      this.paintSections();
    });
  }

  get filteredBatch(): string {
    return this.batchFilter;
  }

  /** Shows the classes of one batch ('' for all), from the newest past ones again. */
  filterBatch(batchId: string): void {
    this.batchFilter = batchId;
    this.pastShown = PAST_PAGE;
    this.paintSections();
  }

  recordingsOf(classId: string): ConsoleRecording[] {
    return [...this.recordings.values()]
      .filter((r) => r.liveClassId === classId && !(r.status === 'failed' && this.dismissed.has(r.id)))
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  }

  /** Runs a button's work with the button disabled; what fails is said in the class's row. */
  async act(classId: string, button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
    const error = this.rows.get(classId)?.querySelector<HTMLElement>('.row-error');
    if (error) error.textContent = '';
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      this.showRowError(classId, err instanceof ApiError ? err.message : errorMessage(err));
    } finally {
      button.disabled = false;
    }
  }

  showRowError(classId: string, text: string): void {
    const target = this.rows.get(classId)?.querySelector<HTMLElement>('.row-error');
    if (target) target.textContent = text;
  }

  upsertRecording(rec: ConsoleRecording): void {
    const selector = `li.recording-item[data-recording-id="${CSS.escape(rec.id)}"]`;
    if (rec.status === 'deleted' && !this.admin) {
      this.recordings.delete(rec.id);
      document.querySelector(selector)?.remove();
      return;
    }
    const known = this.recordings.has(rec.id);
    this.recordings.set(rec.id, rec);
    const li = document.querySelector<HTMLLIElement>(selector);
    const badge = li?.querySelector<HTMLElement>('span.badge[data-recording-id]');
    // Updated in place, so the badge a viewer is looking at changes rather than being swapped out.
    if (li && badge) fillRecordingItem(this, li, badge, rec);
    if (!known || !li) this.repaintRow(rec.liveClassId);
    else this.repaintActions(rec.liveClassId);
  }

  repaintRow(classId: string): void {
    const cls = this.classById.get(classId);
    const old = this.rows.get(classId);
    if (cls && old) old.replaceWith(classRow(this, cls));
  }

  repaintActions(classId: string): void {
    const cls = this.classById.get(classId);
    const row = this.rows.get(classId);
    if (cls && row) row.querySelector('.actions')?.replaceWith(actionsFor(this, cls));
  }

  paintSections(): void {
    this.rows.clear();
    const visible = [...this.classById.values()].filter((c) => !this.batchFilter || c.batchId === this.batchFilter);
    const soon = visible.filter((c) => c.status === 'live' || (c.status === 'scheduled' && phaseOf(c) !== 'missed' && phaseOf(c) !== 'ended'))
      .sort((a, b) => (a.status === b.status ? a.startsAt.localeCompare(b.startsAt) : a.status === 'live' ? -1 : 1));
    const done = visible.filter((c) => c.status === 'ended' || c.status === 'cancelled' || phaseOf(c) === 'missed' || phaseOf(c) === 'ended')
      .sort((a, b) => (b.startedAt ?? b.startsAt).localeCompare(a.startedAt ?? a.startsAt));
    render(this.upcoming, ...(soon.length ? soon.map((c) => classRow(this, c)) : [el('p', { class: 'muted' }, 'No classes are live or scheduled.')]));
    render(this.past, ...(done.length ? done.slice(0, this.pastShown).map((c) => classRow(this, c)) : [el('p', { class: 'muted' }, 'No past classes.')]));
    this.morePast.hidden = done.length <= this.pastShown;
  }
}
