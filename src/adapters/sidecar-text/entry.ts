import { checkCaptions, decodeSidecarText, prepareChatLog } from '../../domain/media/sidecar-text';

/**
 * What the sidecar worker thread runs. Bytes come in and go out as transferred buffers, so the request thread
 * never decodes, copies or parses the file itself.
 */
export function runSidecarJob(job: { kind: 'chat' | 'captions'; bytes: Uint8Array; durationSeconds: number | null }) {
  const decoded = decodeSidecarText(job.bytes);
  if (!decoded.ok) return decoded;
  if (job.kind === 'captions') {
    const checked = checkCaptions(decoded.text, job.durationSeconds);
    return checked.ok ? { ...checked, vtt: Buffer.from(decoded.text) } : checked;
  }
  const chat = prepareChatLog(decoded.text, job.durationSeconds);
  if (!chat.ok) return chat;
  return { ok: true as const, messages: chat.messages, skipped: chat.skipped, afterEnd: chat.afterEnd, jsonl: Buffer.from(chat.jsonl), vtt: Buffer.from(chat.vtt) };
}
