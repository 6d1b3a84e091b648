/**
 * WebVTT: a small reader, shared by the server (search over captions) and the browser (thumbnails, chat replay), and
 * the writing of cue times and text. Imports nothing, so the browser bundle takes only this file.
 */

export interface VttCue {
  start: number;
  end: number;
  text: string;
}

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)/;

/** "hh:mm:ss.ttt" or "mm:ss.ttt" in seconds. */
export function parseVttTime(value: string): number {
  const parts = value.replace(',', '.').split(':').map(Number);
  let seconds = 0;
  for (const p of parts) seconds = seconds * 60 + p;
  return Number.isFinite(seconds) ? seconds : 0;
}

export function parseVtt(source: string): VttCue[] {
  const blocks = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/);
  const cues: VttCue[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').filter((l, i) => i > 0 || l.trim() !== '');
    const timingAt = lines.findIndex((l) => l.includes('-->'));
    if (timingAt < 0 || timingAt > 1) continue;
    const m = TIMING.exec(lines[timingAt] ?? '');
    if (!m?.[1] || !m[2]) continue;
    cues.push({ start: parseVttTime(m[1]), end: parseVttTime(m[2]), text: lines.slice(timingAt + 1).join('\n') });
  }
  return cues.sort((a, b) => a.start - b.start);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', lrm: '\u200e', rlm: '\u200f' };

/** Cue text as plain text: tags dropped, character references decoded. */
export function cueText(raw: string): string {
  return raw
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
      if (ref[0] === '#') {
        const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[ref.toLowerCase()] ?? whole;
    });
}

// ---------------------------------------------------------------- writing

export function formatVttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** HH:MM:SS for messages a person reads. */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  return `${pad2(Math.floor(total / 3600))}:${pad2(Math.floor((total % 3600) / 60))}:${pad2(total % 60)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Cue text with the characters WebVTT reserves escaped. */
export function escapeVttText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The tiles of a seek-preview sprite sheet, as {@link buildThumbnailsVtt} needs them. */
export interface ThumbnailGrid {
  intervalSeconds: number;
  count: number;
  columns: number;
  tileWidth: number;
  tileHeight: number;
}

/** Thumbnail track for seek previews: one cue per sprite tile. */
export function buildThumbnailsVtt(plan: ThumbnailGrid, durationSeconds: number, spriteUrl = 'sprite.jpg'): string {
  const out = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSeconds;
    if (start >= durationSeconds && i > 0) break;
    const end = Math.min((i + 1) * plan.intervalSeconds, Math.max(durationSeconds, start + 0.001));
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    out.push(`${formatVttTime(start)} --> ${formatVttTime(end)}`, `${spriteUrl}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return out.join('\n');
}
