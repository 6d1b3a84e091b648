import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LiveClassRecord } from '../../../adapters/db/live-class-repository';
import type { ZoomApi } from '../../../adapters/providers/zoom-api';
import { ZoomApiError } from '../../../domain/providers/zoom/api-error';
import { toChatJsonLines } from '../../../domain/media/ladder';
import { groupZoomSegments, parseZoomChat, parseZoomEvent, type ZoomFileRef, type ZoomSegment } from '../../../domain/providers/zoom/webhook';
import type { InboxReader } from '../webhook-intake';
import type { FetchedSidecars } from '../remote-import';
import type { ZoomAccount } from './account';

const MAX_SIDECAR_BYTES = 50 * 1024 * 1024;

export function segmentTitle(cls: LiveClassRecord, segment: ZoomSegment): string {
  return segment.count > 1 ? `${cls.title} (part ${segment.index} of ${segment.count})` : cls.title;
}

export function describeSegment(segment: ZoomSegment): string {
  const at = segment.start.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ' UTC');
  return `${segment.media.fileType} of ${segment.count > 1 ? `part ${segment.index} of ${segment.count}, ` : ''}started ${at}`;
}

/** A segment of a stored `recording.completed` (or transcript event) and the webhook's download token. */
export async function deliveredSegment(readInbox: InboxReader, inboxId: string | null, matches: (s: ZoomSegment) => boolean): Promise<{ segment: ZoomSegment; token: string } | null> {
  if (!inboxId) return null;
  const body = await readInbox(inboxId);
  if (!body) return null;
  const parsed = parseZoomEvent(JSON.parse(body.toString('utf8')) as unknown);
  if (parsed.kind !== 'event' || parsed.event.event === 'endpoint.url_validation' || !('download_token' in parsed.event) || !parsed.event.download_token) return null;
  const object = parsed.event.payload.object;
  const segment = 'recording_files' in object ? groupZoomSegments(object.recording_files).find(matches) : undefined;
  return segment ? { segment, token: parsed.event.download_token } : null;
}

export interface ZoomFilesDeps {
  api: ZoomApi;
  readInbox: InboxReader;
  log: Logger;
}

/** Finding and downloading a meeting's files: from the webhook on a first attempt, otherwise fresh from Zoom's API. */
export function zoomFiles(deps: ZoomFilesDeps) {
  const { api, log } = deps;

  async function resolveSegment(
    account: ZoomAccount,
    meetingUuid: string,
    matches: (segment: ZoomSegment) => boolean,
    inboxId: string | null,
  ): Promise<{ segment: ZoomSegment; token: string } | { gone: string }> {
    const delivered = await deliveredSegment(deps.readInbox, inboxId, matches);
    if (delivered) return delivered;
    let fresh;
    try {
      fresh = await api.getMeetingRecordings(account.credentials, meetingUuid);
    } catch (err) {
      if (err instanceof ZoomApiError && err.kind === 'not_found') return { gone: 'Zoom no longer has this meeting\'s recordings' };
      throw err;
    }
    const segment = groupZoomSegments(fresh.recording_files).find(matches);
    if (!segment) return { gone: 'Zoom no longer lists this recording file' };
    const token = fresh.download_access_token ?? (await api.accessToken(account.credentials));
    return { segment, token };
  }

  async function download(file: ZoomFileRef, token: string, dest: string, signal: AbortSignal) {
    // Zoom's file_size is exact for media; a short media file is retried rather than processed.
    const media = file.fileType === 'MP4' || file.fileType === 'M4A';
    return api.downloadFile(file.downloadUrl, token, dest, { expectedBytes: media ? file.size : null, signal });
  }

  /** A chat or transcript: worth a retry while attempts remain, left out (with a log line) on the last one or when Zoom has none. */
  async function sidecar(kind: 'chat' | 'transcript', file: ZoomFileRef | null, token: string, dest: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>): Promise<string | null> {
    if (!file) return null;
    try {
      await download(file, token, dest, signal);
    } catch (err) {
      if (!(err instanceof ZoomApiError) || (err.retryable && !last)) throw err;
      log.warn({ ...ctx, err: err.message, fileId: file.id }, `continuing without the ${kind}`);
      return null;
    }
    const info = await stat(dest);
    if (info.size > MAX_SIDECAR_BYTES) {
      log.warn({ ...ctx, size: info.size }, `the ${kind} file is too large; continuing without it`);
      return null;
    }
    return dest;
  }

  /** Zoom's transcript as a WebVTT file in `dir`, or null when there is none or it cannot be used. */
  async function captionsFrom(file: ZoomFileRef | null, token: string, dir: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>): Promise<string | null> {
    const vtt = await sidecar('transcript', file, token, path.join(dir, 'captions.vtt'), last, signal, ctx);
    if (!vtt) return null;
    const head = (await readFile(vtt, 'utf8')).replace(/^\uFEFF/, '').slice(0, 6);
    if (head === 'WEBVTT') return vtt;
    log.warn(ctx, 'the transcript is not WebVTT; continuing without captions');
    return null;
  }

  async function prepareSidecars(segment: ZoomSegment, token: string, dir: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>): Promise<FetchedSidecars> {
    const sidecars: FetchedSidecars = {};
    const chatRaw = await sidecar('chat', segment.chat, token, path.join(dir, 'chat.txt'), last, signal, ctx);
    if (chatRaw && segment.chat) {
      const offset = (Date.parse(segment.chat.recordingStart) - Date.parse(segment.start)) / 1000;
      const { messages, skipped } = parseZoomChat(await readFile(chatRaw, 'utf8'), Math.max(0, offset));
      if (skipped) log.info({ ...ctx, skipped, kept: messages.length }, 'left out chat lines that are not public messages');
      if (messages.length > 0) {
        sidecars.chatLocalPath = path.join(dir, 'chat.jsonl');
        await writeFile(sidecars.chatLocalPath, toChatJsonLines(messages));
      }
    }
    const vtt = await captionsFrom(segment.transcript, token, dir, last, signal, ctx);
    if (vtt) sidecars.captionsLocalPath = vtt;
    return sidecars;
  }

  const delivered = (inboxId: string | null, matches: (s: ZoomSegment) => boolean) => deliveredSegment(deps.readInbox, inboxId, matches);

  return { resolveSegment, delivered, download, captionsFrom, prepareSidecars };
}

export type ZoomFiles = ReturnType<typeof zoomFiles>;
