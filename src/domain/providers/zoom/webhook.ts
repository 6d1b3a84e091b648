import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Zoom's webhook wire format: signature, URL validation, the events Aula acts on, and the pure parts of turning a
 * `recording.completed` (and a later `recording.transcript_completed`) into Aula recordings (segments, chat
 * transcript). No I/O.
 */

/** Zoom documents no tolerance; Aula refuses events signed more than this far from its clock. */
export const ZOOM_TIMESTAMP_TOLERANCE_SECONDS = 300;

export type ZoomSignatureCheck = { ok: true } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

function hmacHex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** `v0=` + hex HMAC-SHA256(secret token, `v0:{timestamp}:{raw body}`). */
export function zoomSignature(secretToken: string, timestamp: string | number, rawBody: string | Buffer): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `v0=${hmacHex(secretToken, Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), body]))}`;
}

/** Checks `x-zm-signature` over the raw body in constant time, and that `x-zm-request-timestamp` is recent. */
export function verifyZoomSignature(input: {
  secretToken: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs: number;
  toleranceSeconds?: number;
}): ZoomSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing_headers' };
  const expected = Buffer.from(zoomSignature(input.secretToken, timestamp, input.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Compare first (in constant time) so a forged request learns nothing about the timestamp rule.
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  if (!matches) return { ok: false, reason: 'bad_signature' };
  const skew = Math.abs(input.nowMs / 1000 - Number(timestamp));
  if (skew > (input.toleranceSeconds ?? ZOOM_TIMESTAMP_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale_timestamp' };
  return { ok: true };
}

/** The answer to `endpoint.url_validation`: encryptedToken = hex HMAC-SHA256(secret token, plainToken). */
export function zoomUrlValidationAnswer(secretToken: string, plainToken: string): { plainToken: string; encryptedToken: string } {
  return { plainToken, encryptedToken: hmacHex(secretToken, plainToken) };
}

// ---------------------------------------------------------------- events

/** Meeting ids are integers in recording events and strings in meeting events; Aula keeps them as strings. */
const MeetingId = z.union([z.number().int(), z.string().min(1).max(40)]).transform(String);

export const ZoomRecordingFileSchema = z.object({
  // CC and TIMELINE entries may come without id, status or size.
  id: z.string().min(1).max(200).optional(),
  meeting_id: z.string().max(200).optional(),
  recording_start: z.string().max(40).optional(),
  recording_end: z.string().max(40).optional(),
  file_type: z.string().max(40).optional(),
  file_size: z.number().nonnegative().optional(),
  file_extension: z.string().max(20).optional(),
  download_url: z.string().max(4000).optional(),
  status: z.string().max(40).optional(),
  recording_type: z.string().max(80).optional(),
});
export type ZoomRecordingFile = z.infer<typeof ZoomRecordingFileSchema>;

export const ZoomRecordingObjectSchema = z.object({
  id: MeetingId,
  uuid: z.string().min(1).max(200),
  host_id: z.string().max(200).optional(),
  topic: z.string().max(500).optional(),
  start_time: z.string().max(40).optional(),
  duration: z.number().optional(),
  total_size: z.number().optional(),
  recording_count: z.number().optional(),
  recording_files: z.array(ZoomRecordingFileSchema).max(1000).default([]),
});
export type ZoomRecordingObject = z.infer<typeof ZoomRecordingObjectSchema>;

const MeetingObject = z.object({
  id: MeetingId,
  uuid: z.string().min(1).max(200),
  host_id: z.string().max(200).optional(),
  topic: z.string().max(500).optional(),
  start_time: z.string().max(40).optional(),
  end_time: z.string().max(40).optional(),
});

const EventTs = z.number().int().nonnegative();
const AccountId = z.string().max(200).optional();

export const ZoomEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('endpoint.url_validation'), event_ts: EventTs.optional(), payload: z.object({ plainToken: z.string().min(1).max(500) }) }),
  z.object({ event: z.literal('meeting.started'), event_ts: EventTs, payload: z.object({ account_id: AccountId, object: MeetingObject }) }),
  z.object({ event: z.literal('meeting.ended'), event_ts: EventTs, payload: z.object({ account_id: AccountId, object: MeetingObject }) }),
  z.object({
    event: z.literal('recording.completed'),
    event_ts: EventTs,
    download_token: z.string().min(1).max(4000).optional(),
    payload: z.object({ account_id: AccountId, object: ZoomRecordingObjectSchema }),
  }),
  // Sent when the audio transcript of a cloud recording is ready, after `recording.completed`; same shape.
  z.object({
    event: z.literal('recording.transcript_completed'),
    event_ts: EventTs,
    download_token: z.string().min(1).max(4000).optional(),
    payload: z.object({ account_id: AccountId, object: ZoomRecordingObjectSchema }),
  }),
  z.object({ event: z.literal('recording.trashed'), event_ts: EventTs, payload: z.object({ account_id: AccountId, object: ZoomRecordingObjectSchema }) }),
  z.object({ event: z.literal('recording.deleted'), event_ts: EventTs, payload: z.object({ account_id: AccountId, object: ZoomRecordingObjectSchema }) }),
  z.object({ event: z.literal('recording.recovered'), event_ts: EventTs, payload: z.object({ account_id: AccountId, object: ZoomRecordingObjectSchema }) }),
]);
export type ZoomEvent = z.infer<typeof ZoomEventSchema>;
export type ZoomEventName = ZoomEvent['event'];
export const ZOOM_EVENTS_HANDLED: readonly ZoomEventName[] = ZoomEventSchema.options.map((o) => o.shape.event.value);

export type ZoomEventParse =
  | { kind: 'event'; event: ZoomEvent }
  | { kind: 'ignored'; event: string }
  | { kind: 'invalid'; message: string };

/** Events Aula does not act on are acknowledged and ignored; a known event with a wrong shape is refused. */
export function parseZoomEvent(body: unknown): ZoomEventParse {
  const name = typeof body === 'object' && body !== null && 'event' in body ? (body as { event: unknown }).event : undefined;
  if (typeof name !== 'string') return { kind: 'invalid', message: 'The body has no "event" name' };
  if (!(ZOOM_EVENTS_HANDLED as readonly string[]).includes(name)) return { kind: 'ignored', event: name };
  const parsed = ZoomEventSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', message: `Invalid ${name} event: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'unexpected shape'}` };
  }
  return { kind: 'event', event: parsed.data };
}

/**
 * The id under which a delivery is remembered: Zoom resends the same event (same name, time and meeting instance)
 * when it did not get a 2xx in time, so that is what makes two deliveries the same.
 */
export function zoomDeliveryId(event: Exclude<ZoomEvent, { event: 'endpoint.url_validation' }>): string {
  return `${event.event}:${event.event_ts}:${event.payload.object.uuid}`;
}

// ---------------------------------------------------------------- recording segments

export interface ZoomFileRef {
  id: string;
  fileType: string;
  extension: string;
  downloadUrl: string;
  size: number | null;
  recordingStart: string;
}

/** One continuous stretch of a meeting's cloud recording (Zoom starts a new one after each stop/resume). */
export interface ZoomSegment {
  /** ISO time the segment started: the Aula recording's `startedAt`. */
  start: string;
  end: string | null;
  /** 1-based position among the meeting instance's segments, and how many there are. */
  index: number;
  count: number;
  /** The MP4 (or, with no MP4 for the segment, the M4A) that becomes the Aula recording. */
  media: ZoomFileRef;
  chat: ZoomFileRef | null;
  transcript: ZoomFileRef | null;
}

/** Of the several MP4 views Zoom may record for one segment, the one that shows the most to a student. */
const VIEW_PREFERENCE = [
  'shared_screen_with_speaker_view(CC)',
  'shared_screen_with_speaker_view',
  'shared_screen_with_gallery_view',
  'speaker_view',
  'active_speaker',
  'gallery_view',
  'shared_screen',
];

function viewRank(f: ZoomRecordingFile): number {
  const i = VIEW_PREFERENCE.indexOf(f.recording_type ?? '');
  return i === -1 ? VIEW_PREFERENCE.length : i;
}

function toRef(f: ZoomRecordingFile): ZoomFileRef | null {
  if (!f.id || !f.download_url || !f.recording_start || !f.file_type) return null;
  const start = Date.parse(f.recording_start);
  if (Number.isNaN(start)) return null;
  return {
    id: f.id, fileType: f.file_type.toUpperCase(), extension: (f.file_extension ?? f.file_type).toLowerCase(),
    downloadUrl: f.download_url, size: f.file_size ?? null, recordingStart: new Date(start).toISOString(),
  };
}

const usable = (f: ZoomRecordingFile) => f.status === undefined || f.status === 'completed';

/**
 * Groups a meeting instance's files into segments: MP4s by `recording_start` (one view per segment), an M4A only
 * for a segment without MP4, and each CHAT / TRANSCRIPT file to the segment it falls in.
 */
export function groupZoomSegments(files: readonly ZoomRecordingFile[]): ZoomSegment[] {
  const byStart = new Map<string, { media: ZoomRecordingFile; end: string | null }>();
  for (const type of ['MP4', 'M4A']) {
    for (const f of files) {
      if ((f.file_type ?? '').toUpperCase() !== type || !usable(f) || !toRef(f)) continue;
      const start = toRef(f)!.recordingStart;
      const current = byStart.get(start);
      if (!current) byStart.set(start, { media: f, end: f.recording_end ?? null });
      else if ((current.media.file_type ?? '').toUpperCase() === type && viewRank(f) < viewRank(current.media)) byStart.set(start, { media: f, end: f.recording_end ?? current.end });
    }
  }
  const starts = [...byStart.keys()].sort();
  const segments: ZoomSegment[] = starts.map((start, i) => {
    const { media, end } = byStart.get(start)!;
    return { start, end: end ? new Date(Date.parse(end)).toISOString() : null, index: i + 1, count: starts.length, media: toRef(media)!, chat: null, transcript: null };
  });
  for (const f of files) {
    const type = (f.file_type ?? '').toUpperCase();
    if ((type !== 'CHAT' && type !== 'TRANSCRIPT') || !usable(f)) continue;
    const ref = toRef(f);
    const segment = ref && segmentFor(segments, ref.recordingStart);
    if (!ref || !segment) continue;
    if (type === 'CHAT' && !segment.chat) segment.chat = ref;
    if (type === 'TRANSCRIPT' && !segment.transcript) segment.transcript = ref;
  }
  return segments;
}

/** The finished TRANSCRIPT files of a meeting instance (what `recording.transcript_completed` announces). */
export function zoomTranscripts(files: readonly ZoomRecordingFile[]): ZoomFileRef[] {
  const found: ZoomFileRef[] = [];
  for (const f of files) {
    const ref = (f.file_type ?? '').toUpperCase() === 'TRANSCRIPT' && usable(f) ? toRef(f) : null;
    if (ref) found.push(ref);
  }
  return found;
}

/** The segment a side file belongs to: the last one started by then (a minute's slack), else the nearest. */
function segmentFor(segments: ZoomSegment[], at: string): ZoomSegment | null {
  if (segments.length === 0) return null;
  const t = Date.parse(at);
  let best: ZoomSegment | null = null;
  for (const s of segments) if (Date.parse(s.start) <= t + 60_000) best = s;
  return best ?? segments[0]!;
}

// ---------------------------------------------------------------- chat

export interface ZoomChatMessage {
  /** Seconds from the start of the recording segment. */
  t: number;
  author: string;
  text: string;
}

const CHAT_LINE = /^(\d{1,2}):(\d{2}):(\d{2})\s*\t\s*(.*)$/;

/** Splits `Name:\tmessage`, `From Name to Everyone:\tmessage` and the older `From Name : message`. */
function splitSpeaker(rest: string): { author: string; text: string; isPrivate: boolean } | null {
  let head: string;
  let text: string;
  const tab = /^(.*?):\t(.*)$/s.exec(rest);
  if (tab) {
    head = tab[1]!;
    text = tab[2]!;
  } else {
    const spaced = /^(From\s.*?)\s:\s?(.*)$/s.exec(rest) ?? /^(.*?):\s(.*)$/s.exec(rest);
    if (!spaced) return null;
    head = spaced[1]!;
    text = spaced[2]!;
  }
  head = head.trim();
  let author = head;
  let isPrivate = /\((Direct Message|Privately|privately)\)\s*$/.test(head);
  const from = /^From\s+(.+?)(?:\s+to\s+(.+))?$/.exec(head);
  if (from) {
    author = from[1]!.trim();
    const to = from[2]?.replace(/\((Direct Message|Privately|privately)\)\s*$/, '').trim();
    if (to && !/^everyone$/i.test(to)) isPrivate = true;
  }
  author = author.replace(/\s+/g, ' ').trim();
  if (!author) return null;
  return { author, text, isPrivate };
}

/**
 * Converts Zoom's cloud-recording CHAT file (`HH:MM:SS\t Name:\t message`, one message per line, continuation lines
 * without a time) into messages timed from the segment start. Direct messages are left out: a recording's chat is
 * shown to every student. `offsetSeconds` shifts times when the chat file started after the segment.
 */
export function parseZoomChat(text: string, offsetSeconds = 0): { messages: ZoomChatMessage[]; skipped: number } {
  const messages: ZoomChatMessage[] = [];
  let skipped = 0;
  let last: (ZoomChatMessage & { isPrivate: boolean }) | null = null;
  const flush = () => {
    if (last && !last.isPrivate && last.text.trim() !== '') messages.push({ t: last.t, author: last.author, text: last.text.trim() });
    else if (last) skipped++;
    last = null;
  };
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = CHAT_LINE.exec(raw);
    if (line) {
      flush();
      const speaker = splitSpeaker(line[4]!);
      if (!speaker) {
        skipped++;
        continue;
      }
      const t = Number(line[1]) * 3600 + Number(line[2]) * 60 + Number(line[3]) + offsetSeconds;
      last = { t: Math.max(0, t), author: speaker.author, text: speaker.text, isPrivate: speaker.isPrivate };
    } else if (raw.trim() !== '') {
      if (last) last.text += `\n${raw.trim()}`;
      else skipped++;
    }
  }
  flush();
  return { messages, skipped };
}

/** JSON lines of `{ t, author, text }`: the chat format Aula's media pipeline turns into WebVTT. */
