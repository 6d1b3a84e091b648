/**
 * A recording's chat transcript: JSON lines of `{ t, author, text }`, `t` in seconds from the recording's start.
 * Written by the live recorder and the providers' imports, read by the pipeline (into a WebVTT track) and search.
 */
import { escapeVttText, formatVttTime } from './webvtt';

export interface ChatMessage {
  t: number;
  author: string;
  text: string;
}

/** One line of the transcript, newline included. */
export function chatJsonLine(message: ChatMessage): string {
  return `${JSON.stringify({ t: message.t, author: message.author, text: message.text })}\n`;
}

/** The stored chat log format: one JSON object per line, `t` in seconds from the recording's start. */
export function toChatJsonLines(messages: readonly ChatMessage[]): string {
  return messages.map(chatJsonLine).join('');
}

export const CHAT_CUE_SECONDS = 4;

/** Parses chat JSON lines (`t` or `time` in seconds); lines that are not valid messages are counted, not fatal. */
export function parseChatLines(jsonl: string): { messages: ChatMessage[]; skipped: number } {
  const messages: ChatMessage[] = [];
  let skipped = 0;
  for (const raw of jsonl.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const message = toChatMessage(raw);
    if (message) messages.push(message);
    else skipped += 1;
  }
  // Stable sort keeps the original order of messages sent in the same instant.
  messages.sort((a, b) => a.t - b.t);
  return { messages, skipped };
}

function toChatMessage(line: string): ChatMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const t = record['t'] ?? record['time'];
  const { author, text } = record;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) return null;
  if (typeof author !== 'string' || typeof text !== 'string' || text.trim() === '') return null;
  return { t, author, text };
}

/** Each message shows for 4 s or until the next one; `<v Author>` lets players style speakers. */
export function chatToVtt(jsonl: string): { vtt: string; messages: ChatMessage[]; skipped: number } {
  const { messages, skipped } = parseChatLines(jsonl);
  const out = ['WEBVTT', ''];
  // The start of the next later message, found walking backwards once: linear in the log's length.
  const nextLaterStart = new Array<number | undefined>(messages.length);
  let later: number | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const following = messages[i + 1];
    if (following && following.t > messages[i]!.t) later = following.t;
    nextLaterStart[i] = later;
  }
  messages.forEach((m, i) => {
    const next = nextLaterStart[i];
    const end = next !== undefined ? Math.min(m.t + CHAT_CUE_SECONDS, next) : m.t + CHAT_CUE_SECONDS;
    // A blank line would end the cue early, so the text keeps its line breaks but loses empty lines.
    const text = escapeVttText(m.text)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .join('\n');
    const author = escapeVttText(m.author.replace(/\s+/g, ' ').trim() || 'Anonymous');
    out.push(`${formatVttTime(m.t)} --> ${formatVttTime(end)}`, `<v ${author}>${text}`, '');
  });
  return { vtt: out.join('\n'), messages, skipped };
}
