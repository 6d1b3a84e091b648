/**
 * Trimming a recording: the window staff keep, the quick cut served at once (whole segments, so playlists are
 * rewritten rather than media re-encoded) and the shifting of timed text (captions, chat, thumbnails) to either cut.
 */
import { Unprocessable } from '../errors';
import type { RecordingTrimView } from '../../contracts/api/recordings';
import type { RecordingMedia } from '../recording-media';
import { formatVttTime, parseVtt } from './webvtt';
import { parseMediaPlaylist } from './hls';

export interface TrimWindow {
  startSeconds: number;
  endSeconds: number;
}

/** The shortest recording a trim may leave. */
export const MIN_TRIMMED_SECONDS = 1;

/** Checks a requested window against the untrimmed length; a window that keeps everything means "no trim". */
export function validTrimWindow(requested: { startSeconds: number; endSeconds?: number | null }, durationSeconds: number): TrimWindow | null {
  const start = requested.startSeconds;
  const end = requested.endSeconds ?? durationSeconds;
  if (!(start >= 0)) throw new Unprocessable('The trim start must be 0 seconds or later');
  if (end > durationSeconds + 0.5) throw new Unprocessable(`The trim end (${end} s) is past the end of the recording (${round(durationSeconds)} s)`);
  if (end - start < MIN_TRIMMED_SECONDS) throw new Unprocessable(`The trim must keep at least ${MIN_TRIMMED_SECONDS} s (start ${start} s, end ${end} s)`);
  const window = { startSeconds: round(start), endSeconds: round(Math.min(end, durationSeconds)) };
  return window.startSeconds <= 0 && window.endSeconds >= durationSeconds - 0.05 ? null : window;
}

/** The quick cut of a variant playlist: the whole segments overlapping the window, and where the first one starts. */
export function cutMediaPlaylist(text: string, window: TrimWindow): { text: string; offsetSeconds: number; lengthSeconds: number } {
  const { segments } = parseMediaPlaylist(text);
  const kept: Array<{ uri: string; durationSeconds: number }> = [];
  let at = 0;
  let offsetSeconds = 0;
  for (const s of segments) {
    const from = at;
    at += s.durationSeconds;
    if (at <= window.startSeconds + 0.001 || from >= window.endSeconds - 0.001) continue;
    if (kept.length === 0) offsetSeconds = from;
    kept.push(s);
  }
  if (kept.length === 0 && segments.length > 0) kept.push(segments[segments.length - 1]!);
  const target = Math.max(1, ...kept.map((s) => Math.ceil(s.durationSeconds)));
  const header = text.split(/\r?\n/).filter((l) => /^#EXT-X-(VERSION|INDEPENDENT-SEGMENTS|MAP)/.test(l.trim()));
  const lines = ['#EXTM3U', ...header, `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  for (const s of kept) lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return { text: lines.join('\n'), offsetSeconds, lengthSeconds: kept.reduce((sum, s) => sum + s.durationSeconds, 0) };
}

/** A WebVTT track moved onto a cut that starts `offsetSeconds` into the original and lasts `lengthSeconds`. */
export function shiftVtt(text: string, offsetSeconds: number, lengthSeconds: number): string {
  const out = ['WEBVTT', ''];
  for (const cue of parseVtt(text)) {
    const start = Math.max(0, cue.start - offsetSeconds);
    const end = Math.min(lengthSeconds, cue.end - offsetSeconds);
    if (end <= start) continue;
    out.push(`${formatVttTime(start)} --> ${formatVttTime(end)}`, cue.text, '');
  }
  return out.join('\n');
}

/** Chat lines (`t` in seconds from the recording's start) moved onto a cut; lines outside it are left out. */
export function shiftChatLines<T extends { t: number }>(lines: readonly T[], offsetSeconds: number, lengthSeconds: number): T[] {
  return lines.filter((l) => l.t >= offsetSeconds && l.t <= offsetSeconds + lengthSeconds).map((l) => ({ ...l, t: round(l.t - offsetSeconds) }));
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** What a recording keeps about its trim. `startSeconds`/`endSeconds` are always on the untrimmed timeline. */
export interface RecordingTrim extends TrimWindow {
  /** `cutting` while the precise cut runs (the quick cut is served), `done` once the recording's media is the cut. */
  state: 'cutting' | 'done' | 'failed';
  /** Counts the trims of the recording; names the folder of this trim's outputs and tells a stale cut from the current one. */
  version: number;
  error: string | null;
  /** The untrimmed recording, restored by an undo. */
  original: TrimmedOriginal;
}

export interface TrimmedOriginal {
  media: RecordingMedia;
  durationSeconds: number | null;
  chatKey: string | null;
  captionsKey: string | null;
}

/** What a trim writes: the trim itself and, when it swaps media (cut done, undo), the fields it swaps. */
export interface TrimWrite {
  trim: RecordingTrim | null;
  swap?: { media: RecordingMedia | null; durationSeconds: number | null; chatKey: string | null; captionsKey: string | null };
}

/** A trim as people and the API see it: the window and how the cut stands, without the storage keys it keeps. */
export type TrimView = RecordingTrimView;

export function trimView(trim: RecordingTrim | null): TrimView | null {
  if (!trim) return null;
  return { startSeconds: trim.startSeconds, endSeconds: trim.endSeconds, state: trim.state, error: trim.error, originalDurationSeconds: trim.original.durationSeconds };
}

/** Folder (under the recording's prefix) of the outputs of trim `version`. */
export function trimOutputFolder(version: number): string {
  return `trim-${version}/`;
}
