/** A small WebVTT reader, shared by the server (search over captions) and the browser (thumbnails, chat replay). */

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
