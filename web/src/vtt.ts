/** A small WebVTT reader for the two tracks Aula's player draws itself: seek thumbnails and chat replay. */

export interface VttCue {
  start: number;
  end: number;
  text: string;
}

export interface ThumbnailCue {
  start: number;
  end: number;
  /** Absolute URL of the sprite image. */
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChatCue {
  start: number;
  end: number;
  author: string;
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

/** Cues whose text is `image.jpg#xywh=x,y,w,h`, with the image resolved against the VTT file's URL. */
export function parseThumbnails(source: string, vttUrl: string): ThumbnailCue[] {
  const out: ThumbnailCue[] = [];
  for (const cue of parseVtt(source)) {
    const m = /^(.*?)#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/.exec(cue.text.trim());
    if (!m?.[1]) continue;
    let url: string;
    try {
      url = new URL(m[1], vttUrl).toString();
    } catch {
      continue;
    }
    out.push({ start: cue.start, end: cue.end, url, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), h: Number(m[5]) });
  }
  return out;
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

/** Chat cues are `<v Author>message`; a cue without a voice tag keeps an empty author. */
export function parseChat(source: string): ChatCue[] {
  return parseVtt(source).map((cue) => {
    const voice = /^\s*<v(?:\.[^\s>]*)?\s+([^>]*)>/.exec(cue.text);
    const author = voice?.[1] ? cueText(voice[1]).trim() : '';
    const body = voice ? cue.text.slice(voice[0].length) : cue.text;
    return { start: cue.start, end: cue.end, author, text: cueText(body).trim() };
  });
}

/** Index of the last cue starting at or before `t`, or -1. Cues are sorted by start. */
export function lastStartedAt(cues: readonly { start: number }[], t: number): number {
  let lo = 0;
  let hi = cues.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((cues[mid]?.start ?? Infinity) <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
