import { chatToVtt, toChatJsonLines } from './chat-transcript';

/**
 * Limits and checks for the text files staff attach beside a recording (a chat log, captions). Everything here is
 * linear in the text's length and runs off the request thread (see adapters/sidecar-worker.ts).
 */
export const MAX_CHAT_LINES = 100_000;
export const MAX_CAPTION_CUES = 100_000;
/** Timestamps may run this far past the measured duration (rounding of containers and players). */
const END_TOLERANCE_SECONDS = 1;

export type SidecarRefusal = { ok: false; status: 413 | 422; message: string };

/** The file's text: UTF-8 without NUL (a byte-order mark is dropped), or why it is not. */
export function decodeSidecarText(bytes: Uint8Array): { ok: true; text: string } | SidecarRefusal {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, status: 422, message: 'The file is not valid UTF-8 text' };
  }
  if (text.includes('\u0000')) return { ok: false, status: 422, message: 'The file contains a NUL character; send plain text' };
  return { ok: true, text };
}

export type PreparedChat =
  | { ok: true; jsonl: string; vtt: string; messages: number; skipped: number; afterEnd: number }
  | SidecarRefusal;

/** A chat log as stored and shown: messages sorted, lines that are not messages (or lie after the end) left out. */
export function prepareChatLog(text: string, durationSeconds: number | null): PreparedChat {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > MAX_CHAT_LINES) break;
  if (lines > MAX_CHAT_LINES) return { ok: false, status: 413, message: `A chat log holds at most ${MAX_CHAT_LINES.toLocaleString('en')} lines` };
  const parsed = chatToVtt(text);
  let messages = parsed.messages;
  let afterEnd = 0;
  if (durationSeconds !== null) {
    const limit = durationSeconds + END_TOLERANCE_SECONDS;
    const within = messages.filter((m) => m.t <= limit);
    afterEnd = messages.length - within.length;
    messages = within;
  }
  if (messages.length === 0) {
    const reason = afterEnd ? `${afterEnd} message${afterEnd === 1 ? '' : 's'} after the recording's end (${durationSeconds} s)` : `${parsed.skipped} line${parsed.skipped === 1 ? '' : 's'} skipped`;
    return { ok: false, status: 422, message: `No chat messages found (${reason}); send JSON lines such as {"t": 12.5, "author": "Ana", "text": "Hello"}` };
  }
  const vtt = afterEnd ? chatToVtt(toChatJsonLines(messages)).vtt : parsed.vtt;
  return { ok: true, jsonl: toChatJsonLines(messages), vtt, messages: messages.length, skipped: parsed.skipped, afterEnd };
}

export type CheckedCaptions = { ok: true; cues: number } | SidecarRefusal;

const TIMING = /^((?:\d{2,}:)?\d{2}:\d{2}\.\d{3})[ \t]+-->[ \t]+((?:\d{2,}:)?\d{2}:\d{2}\.\d{3})(?:[ \t].*)?$/;

/** Seconds of a WebVTT timestamp; NaN when minutes or seconds are 60 or more. */
function vttSeconds(stamp: string): number {
  const parts = stamp.split(':').map(Number);
  const seconds = parts[parts.length - 1]!;
  const minutes = parts[parts.length - 2]!;
  if (seconds >= 60 || minutes >= 60) return Number.NaN;
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** WebVTT as the player will read it: every cue timing well formed, start ≤ end, within the recording. */
export function checkCaptions(text: string, durationSeconds: number | null): CheckedCaptions {
  if (!/^\uFEFF?WEBVTT(?:[ \t][^\r\n]*)?(?:\r?\n|$)/.test(text)) return { ok: false, status: 422, message: 'Captions must be a WebVTT file: the first line is "WEBVTT"' };
  let cues = 0;
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end).replace(/\r$/, '');
    lineNumber += 1;
    start = end + 1;
    if (!line.includes('-->')) continue;
    const timing = TIMING.exec(line);
    if (!timing) return { ok: false, status: 422, message: `Line ${lineNumber}: a cue timing must read HH:MM:SS.mmm --> HH:MM:SS.mmm` };
    const from = vttSeconds(timing[1]!);
    const to = vttSeconds(timing[2]!);
    if (!Number.isFinite(from) || !Number.isFinite(to)) return { ok: false, status: 422, message: `Line ${lineNumber}: the cue timing is not a valid time` };
    if (to < from) return { ok: false, status: 422, message: `Line ${lineNumber}: the cue ends before it starts` };
    if (durationSeconds !== null && from > durationSeconds + END_TOLERANCE_SECONDS) {
      return { ok: false, status: 422, message: `Line ${lineNumber}: the cue starts at ${from} s, after the recording's end (${durationSeconds} s)` };
    }
    if (++cues > MAX_CAPTION_CUES) return { ok: false, status: 413, message: `Captions hold at most ${MAX_CAPTION_CUES.toLocaleString('en')} cues` };
  }
  return { ok: true, cues };
}
