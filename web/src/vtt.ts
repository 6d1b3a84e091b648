/** The two tracks Aula's player draws itself: seek thumbnails and chat replay. */
import { cueText, parseVtt } from '../../src/domain/media/webvtt';

export { cueText, parseVtt, parseVttTime, type VttCue } from '../../src/domain/media/webvtt';

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
