import { z } from 'zod';
import type { CloudflareWebhookKind } from './signatures';

const Id = z.string().min(1).max(200);

/** A Stream video object, as webhooks send it and `GET /stream/{uid}` returns it (only what Aula reads). */
export const StreamVideo = z.looseObject({
  uid: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
  readyToStream: z.boolean().optional(),
  status: z.looseObject({
    state: z.string().max(40),
    pctComplete: z.union([z.string(), z.number()]).nullish(),
    errorReasonCode: z.string().max(200).nullish(),
    errorReasonText: z.string().max(2000).nullish(),
    errReasonCode: z.string().max(200).nullish(),
    errReasonText: z.string().max(2000).nullish(),
  }),
  meta: z.record(z.string(), z.unknown()).nullish(),
  duration: z.number().nullish(),
  created: z.string().max(60).nullish(),
  playback: z.looseObject({ hls: z.string().max(2000).nullish(), dash: z.string().max(2000).nullish() }).nullish(),
  liveInput: z.string().max(64).nullish(),
  requireSignedURLs: z.boolean().nullish(),
});
export type StreamVideo = z.infer<typeof StreamVideo>;

/** What a video's state means for its Aula recording. */
export type VideoOutcome = { kind: 'ready' } | { kind: 'failed'; reason: string } | { kind: 'pending'; state: string };

export function videoOutcome(video: StreamVideo): VideoOutcome {
  const s = video.status;
  if (s.state === 'ready' && video.readyToStream !== false) return { kind: 'ready' };
  if (s.state === 'error') {
    const code = s.errorReasonCode || s.errReasonCode || 'ERR_UNKNOWN';
    const text = s.errorReasonText || s.errReasonText || 'no reason given';
    return { kind: 'failed', reason: `Cloudflare Stream could not process the video (${code}: ${text})` };
  }
  return { kind: 'pending', state: s.state };
}

export const LIVE_INPUT_EVENTS = ['live_input.connected', 'live_input.disconnected', 'live_input.errored'] as const;

/** A Notifications delivery for a Stream live input. */
export const LiveInputNotification = z.looseObject({
  name: z.string().max(500).optional(),
  text: z.string().max(5000).optional(),
  data: z.looseObject({
    notification_name: z.string().max(200).optional(),
    input_id: Id,
    event_type: z.string().max(100),
    updated_at: z.string().max(60).optional(),
    live_input_errored: z.looseObject({
      error: z.looseObject({ code: z.string().max(200).optional(), message: z.string().max(2000).optional() }).optional(),
      video_codec: z.string().max(100).optional(),
      audio_codec: z.string().max(100).optional(),
    }).optional(),
  }),
  ts: z.number().optional(),
});
export type LiveInputNotification = z.infer<typeof LiveInputNotification>;

export const RTK_STATUSES = ['INVOKED', 'RECORDING', 'UPLOADING', 'UPLOADED', 'ERRORED', 'PAUSED'] as const;

/** A RealtimeKit recording as its webhook (camelCase) describes it. */
export const RealtimeKitRecording = z.looseObject({
  id: Id,
  status: z.string().max(40),
  downloadUrl: z.string().max(4000).nullish(),
  downloadUrlExpiry: z.string().max(60).nullish(),
  fileSize: z.union([z.string(), z.number()]).nullish(),
  recordingDuration: z.number().nullish(),
  startedTime: z.string().max(60).nullish(),
  stoppedTime: z.string().max(60).nullish(),
  meetingId: Id,
  outputFileName: z.string().max(500).nullish(),
  errorReason: z.string().max(2000).nullish(),
});
export type RealtimeKitRecording = z.infer<typeof RealtimeKitRecording>;

export const RealtimeKitStatusUpdate = z.looseObject({
  event: z.literal('recording.statusUpdate'),
  recording: RealtimeKitRecording,
  meeting: z.looseObject({ id: Id.optional(), title: z.string().max(500).nullish() }).optional(),
});

export type CloudflareEvent =
  | { kind: 'stream'; video: StreamVideo }
  | { kind: 'notification'; notification: LiveInputNotification }
  | { kind: 'realtimekit'; recording: RealtimeKitRecording };

export type ParsedCloudflareWebhook = { kind: 'event'; event: CloudflareEvent; deliveryId: string; eventType: string } | { kind: 'invalid'; message: string } | { kind: 'ignored'; detail: string };

const problem = (e: z.ZodError) => e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');

/**
 * Parses a verified body of the kind its headers said. Stream sends no delivery id: a video's state is what repeats,
 * so uid and state dedupe it; notifications dedupe by input, event and time; RealtimeKit by `rtk-uuid`.
 */
export function parseCloudflareWebhook(kind: CloudflareWebhookKind, body: unknown, rtkUuid?: string): ParsedCloudflareWebhook {
  if (kind === 'stream') {
    const r = StreamVideo.safeParse(body);
    if (!r.success) return { kind: 'invalid', message: `Not a Stream video webhook: ${problem(r.error)}` };
    const outcome = videoOutcome(r.data);
    if (outcome.kind === 'pending') return { kind: 'ignored', detail: `video ${r.data.uid} is ${outcome.state}` };
    return { kind: 'event', event: { kind: 'stream', video: r.data }, deliveryId: `stream:${r.data.uid}:${r.data.status.state}`, eventType: `stream.video.${r.data.status.state}` };
  }
  if (kind === 'notification') {
    const r = LiveInputNotification.safeParse(body);
    if (!r.success) return { kind: 'invalid', message: `Not a live input notification: ${problem(r.error)}` };
    const type = r.data.data.event_type;
    if (!(LIVE_INPUT_EVENTS as readonly string[]).includes(type)) return { kind: 'ignored', detail: `Aula does not use ${type} notifications` };
    const at = r.data.data.updated_at ?? String(r.data.ts ?? '');
    return { kind: 'event', event: { kind: 'notification', notification: r.data }, deliveryId: `notification:${r.data.data.input_id}:${type}:${at}`, eventType: type };
  }
  if (!rtkUuid || rtkUuid.length > 200) return { kind: 'invalid', message: 'A RealtimeKit webhook needs its rtk-uuid header' };
  if (typeof body === 'object' && body && (body as { event?: unknown }).event !== 'recording.statusUpdate') return { kind: 'ignored', detail: `Aula does not use ${String((body as { event?: unknown }).event)} events` };
  const r = RealtimeKitStatusUpdate.safeParse(body);
  if (!r.success) return { kind: 'invalid', message: `Not a RealtimeKit recording.statusUpdate: ${problem(r.error)}` };
  return { kind: 'event', event: { kind: 'realtimekit', recording: r.data.recording }, deliveryId: `rtk:${rtkUuid}`, eventType: `recording.${r.data.recording.status}` };
}

/** Handling reads the stored body again; its kind follows from its shape (its signature was checked on arrival). */
export function kindOfStoredBody(body: unknown): CloudflareWebhookKind | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  if (b.event === 'recording.statusUpdate') return 'realtimekit';
  if (typeof b.data === 'object' && b.data !== null && 'input_id' in b.data) return 'notification';
  if (typeof b.uid === 'string') return 'stream';
  return null;
}

/** When a RealtimeKit download URL lapses (an ISO time), with a minute's margin for the download itself. */
export function downloadUrlLapsed(expiry: string | null | undefined, nowMs: number): boolean {
  if (!expiry) return false;
  const at = Date.parse(expiry);
  return Number.isFinite(at) && at - 60_000 <= nowMs;
}

/** RealtimeKit sends `fileSize` as a string. */
export function fileSizeOf(value: string | number | null | undefined): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
}
