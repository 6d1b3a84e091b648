import { ApiError, api } from '../../api';
import { el } from '../../dom';
import { errorMessage, formatDateTime, formatStartsIn, PROVIDER_LABELS } from '../../format';
import { defaultAutoRecord } from '../../../../src/domain/live-class-rules';
import type { RoomFit } from '../../../../src/contracts/api/live-classes';
import type { Batch, LiveClass } from '../../types';
import { localDateTimeValue, startFromInput } from './class-editor';

/** Where a class can run, as the form offers it: the provider, the provider's own choice where it has one. */
interface Place { value: string; label: string; provider: string; needsAccount?: true; options?: Record<string, string> }
const PLACES: Place[] = [
  { value: 'native', label: 'Aula (in the browser)', provider: 'native' },
  { value: 'upload', label: 'Recordings uploaded later', provider: 'upload' },
  { value: 'zoom', label: 'Zoom', provider: 'zoom', needsAccount: true },
  { value: 'livekit', label: 'LiveKit', provider: 'livekit', needsAccount: true },
  { value: 'cloudflare-stream', label: 'Cloudflare Stream (from OBS or another encoder)', provider: 'cloudflare', needsAccount: true, options: { mode: 'stream' } },
  { value: 'cloudflare-realtimekit', label: 'Cloudflare RealtimeKit', provider: 'cloudflare', needsAccount: true, options: { mode: 'realtimekit' } },
];
const placeOf = (value: string) => PLACES.find((p) => p.value === value) ?? PLACES[0]!;
/** The kind of account a place's class runs in (the provider's name), or null when it needs none. */
const accountOf = (place: Place) => (place.needsAccount ? PROVIDER_LABELS[place.provider] ?? place.provider : null);

/** The provider account picker: a list to choose from, or a sentence saying why there is none. */
async function fillProviderAccounts(place: Place, select: HTMLSelectElement, note: HTMLElement): Promise<void> {
  select.replaceChildren();
  note.textContent = '';
  const wrap = select.closest('label');
  const kind = accountOf(place);
  if (!kind) {
    if (wrap) wrap.hidden = true;
    return;
  }
  if (wrap) {
    wrap.hidden = false;
    wrap.firstChild!.textContent = `${kind} account `;
  }
  try {
    const { items } = await api<{ items: { id: string; name: string }[] }>('GET', `/api/v1/providers/${place.provider}/accounts`);
    select.append(...items.map((a) => el('option', { value: a.id }, a.name)));
    if (items.length === 0) note.textContent = `No ${kind} account is connected yet; an admin connects one first.`;
  } catch (err) {
    note.textContent = err instanceof ApiError && err.status === 403
      ? `Only admins can choose the ${kind} account; ask an admin to schedule ${kind} classes.`
      : `${kind} accounts could not be loaded; try again.`;
  }
}

/**
 * For a class in Aula's room: what happens when the batch has more students than the room's WebRTC seats, and
 * where to run it instead when everyone is to be on video. Empty when the class fits.
 */
async function roomFitNote(batchId: string): Promise<string> {
  const fit = await api<RoomFit>('GET', `/api/v1/batches/${encodeURIComponent(batchId)}/room-fit`);
  if (fit.watchOnlyStudents === 0) return '';
  const n = (x: number) => x.toLocaleString('en');
  return `This batch has ${n(fit.students)} students and Aula's room has ${n(fit.nativeSeats)} seats on video, the instructor's included: ` +
    `${n(fit.watchOnlyStudents)} students would watch the class's live stream a few seconds behind, with the chat and raised hands, and join on video when let to speak. ` +
    'For a class with everyone on video, choose LiveKit.';
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
export function scheduleClassForm(batches: Batch[], onCreated: (cls: LiveClass) => void): HTMLElement {
  const title = el('input', { name: 'title', required: '', maxlength: '300', placeholder: 'e.g. Week 3 lecture' });
  const batch = el('select', { name: 'batchId', required: '' }, ...batches.map((b) => el('option', { value: b.id }, b.name)));
  const lesson = el('select', { name: 'lessonId' }, el('option', { value: '' }, 'No lesson'));
  const provider = el('select', { name: 'provider' }, ...PLACES.map((p) => el('option', { value: p.value }, p.label)));
  const account = el('select', { name: 'providerAccountId' });
  const accountNote = el('span', { class: 'muted account-note', role: 'status' });
  const accountLabel = el('label', { hidden: '' }, 'Account ', account, accountNote);
  const fitNote = el('p', { class: 'muted room-fit', role: 'status' });
  // No `min`: the browser's own bubble would stop the form before it can say why the time is refused.
  const startsAt = el('input', { name: 'startsAt', type: 'datetime-local', required: '', value: localDateTimeValue(new Date(Date.now() + 3_600_000)) });
  const duration = el('input', { name: 'durationMinutes', type: 'number', min: '1', max: '1440', value: '60', required: '' });
  const autoRecord = el('input', { name: 'autoRecord', type: 'checkbox', checked: '' });
  const error = el('p', { class: 'error', role: 'alert' });
  const confirmation = el('p', { class: 'confirmation', role: 'status' });
  // Auto-record follows what the chosen provider can do (nothing to record in an upload class).
  provider.addEventListener('change', () => {
    const place = placeOf(provider.value);
    autoRecord.checked = defaultAutoRecord(place.provider as Parameters<typeof defaultAutoRecord>[0]);
    void fillProviderAccounts(place, account, accountNote);
    void showRoomFit();
  });
  const submit = el('button', { type: 'submit' }, 'Schedule');
  const form = el('form', { id: 'schedule-class', class: 'card schedule-form' },
    el('label', {}, 'Title ', title), el('label', {}, 'Batch ', batch), el('label', {}, 'Lesson ', lesson), el('label', {}, 'Where ', provider), accountLabel, fitNote,
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
      error.textContent = `Lessons could not be loaded: ${errorMessage(err)}`;
    }
  }
  // One question per batch while the form is open: switching the provider back and forth asks nothing again.
  const fitNotes = new Map<string, Promise<string>>();
  async function showRoomFit() {
    const chosen = batch.value;
    if (placeOf(provider.value).provider !== 'native' || !chosen) {
      fitNote.textContent = '';
      return;
    }
    let note = fitNotes.get(chosen);
    if (!note) {
      note = roomFitNote(chosen);
      fitNotes.set(chosen, note);
      note.catch(() => fitNotes.delete(chosen));
    }
    const text = await note.catch(() => '');
    if (batch.value === chosen && placeOf(provider.value).provider === 'native') fitNote.textContent = text;
  }
  batch.addEventListener('change', () => {
    void fillLessons();
    void showRoomFit();
  });
  void fillLessons();
  void showRoomFit();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    confirmation.textContent = '';
    const place = placeOf(provider.value);
    const start = startFromInput(startsAt.value, place.provider);
    if ('error' in start) {
      error.textContent = start.error;
      return;
    }
    const kind = accountOf(place);
    if (kind && !account.value) {
      error.textContent = accountNote.textContent || `Choose the ${kind} account to run the class in`;
      return;
    }
    submit.disabled = true;
    void api<LiveClass>('POST', '/api/v1/live-classes', {
      title: title.value.trim(), batchId: batch.value, lessonId: lesson.value || null, provider: place.provider,
      startsAt: start.at.toISOString(), durationMinutes: Number(duration.value), autoRecord: autoRecord.checked,
      ...(kind && { providerAccountId: account.value }),
      ...(place.options && { providerOptions: place.options }),
    })
      .then((created) => {
        onCreated(created);
        title.value = '';
        confirmation.textContent = `Scheduled “${created.title}” for ${formatDateTime(created.startsAt)} (${formatStartsIn(created.startsAt).toLowerCase()}); students of the batch see it on their home page.`;
      })
      .catch((err: unknown) => {
        error.textContent = errorMessage(err);
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return el('details', { class: 'schedule' }, el('summary', {}, 'Schedule a class'), form);
}

