import { chatToVtt, toChatJsonLines } from '../../domain/media/chat-transcript';
import { CONTENT_TYPES } from '../../domain/media/recording-layout';
import { readStoredText } from '../../domain/stored-objects';
import type { PipelineRun } from './run';

const MAX_CHAT_BYTES = 20 * 1024 * 1024;

/** The chat log beside the source becomes the published transcript and its WebVTT track; a bad log is skipped. */
export async function convertChat(run: PipelineRun): Promise<void> {
  const chatKey = run.input.chatKey;
  if (!chatKey) return;
  await run.progress('chat', 0);
  const info = await run.storage.stat(chatKey);
  if (!info) {
    run.log.warn({ chatKey }, 'chat log is missing from storage; continuing without chat');
    return;
  }
  if (info.size > MAX_CHAT_BYTES) {
    run.log.warn({ chatKey, size: info.size }, 'chat log is too large; continuing without chat');
    return;
  }
  const text = await readStoredText(run.storage, chatKey);
  let tracks: { jsonl: string | Buffer; vtt: string | Buffer; messages: number; skipped: number };
  if (run.deps.prepareChat) {
    const prepared = await run.deps.prepareChat(Buffer.from(text));
    if (!prepared.ok) {
      run.log.warn({ chatKey, reason: prepared.message }, 'chat log has no usable messages; continuing without chat');
      return;
    }
    tracks = prepared;
  } else {
    const { vtt, messages, skipped } = chatToVtt(text);
    tracks = { jsonl: toChatJsonLines(messages), vtt, messages: messages.length, skipped };
  }
  if (tracks.skipped > 0) run.log.warn({ skipped: tracks.skipped, kept: tracks.messages }, 'skipped chat lines that are not messages');
  if (chatKey !== run.keys.chatJson) {
    await run.putText(run.keys.chatJson, tracks.jsonl, CONTENT_TYPES.jsonl);
  }
  await run.putText(run.keys.chatVtt, tracks.vtt, CONTENT_TYPES.vtt);
  run.output.chatJsonKey = run.keys.chatJson;
  run.output.chatVttKey = run.keys.chatVtt;
  await run.progress('chat', 1);
}
