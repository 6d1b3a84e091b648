import { describe, expect, it } from 'vitest';
import { encodeMeetingUuid, parseRetryAfterMs } from '../src/adapters/providers/zoom-api';
import { toChatJsonLines } from '../src/domain/media/chat-transcript';
import {
  groupZoomSegments,
  parseZoomChat,
  parseZoomEvent,
  verifyZoomSignature,
  zoomTranscripts,
  zoomDeliveryId,
  zoomSignature,
  zoomUrlValidationAnswer,
  type ZoomRecordingFile,
} from '../src/domain/providers/zoom/webhook';

const secret = 'webhook-secret-token';
const body = Buffer.from(JSON.stringify({ event: 'meeting.started', event_ts: 1_700_000_000_000, payload: { account_id: 'acc', object: { id: '123', uuid: 'u1' } } }));
const ts = 1_700_000_000;

describe('Zoom webhook signatures', () => {
  it('answers URL validation with the documented test vector', () => {
    expect(zoomUrlValidationAnswer('secretValueTest', 'qgg8vlvZRS6UYooatFL8Aw')).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff',
    });
  });

  it('accepts v0= HMAC-SHA256 of v0:{timestamp}:{raw body} within five minutes', () => {
    const signature = zoomSignature(secret, ts, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: body, nowMs: (ts + 299) * 1000 })).toEqual({ ok: true });
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: body, nowMs: (ts - 299) * 1000 })).toEqual({ ok: true });
  });

  it('refuses a stale or future timestamp even with a valid signature', () => {
    const signature = zoomSignature(secret, ts, body);
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: body, nowMs: (ts + 301) * 1000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: body, nowMs: (ts - 301) * 1000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses a body changed by one byte, another secret, a different timestamp, or missing headers', () => {
    const signature = zoomSignature(secret, ts, body);
    const nowMs = ts * 1000;
    const changed = Buffer.from(body.toString().replace('123', '124'));
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: changed, nowMs }).ok).toBe(false);
    expect(verifyZoomSignature({ secretToken: 'other', timestamp: String(ts), signature, rawBody: body, nowMs })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts + 1), signature, rawBody: body, nowMs })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyZoomSignature({ secretToken: secret, timestamp: undefined, signature, rawBody: body, nowMs })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature: signature.slice(0, -1), rawBody: body, nowMs })).toEqual({ ok: false, reason: 'bad_signature' });
    // Re-serialised JSON (other spacing) is not what Zoom signed.
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyZoomSignature({ secretToken: secret, timestamp: String(ts), signature, rawBody: reformatted, nowMs }).ok).toBe(false);
  });
});

describe('Zoom events', () => {
  it('parses the events Aula uses, ignores others and refuses a known event with a wrong shape', () => {
    const started = parseZoomEvent(JSON.parse(body.toString()));
    expect(started.kind).toBe('event');
    if (started.kind === 'event' && started.event.event !== 'endpoint.url_validation') expect(zoomDeliveryId(started.event)).toBe('meeting.started:1700000000000:u1');
    expect(parseZoomEvent({ event: 'meeting.participant_joined', payload: {} })).toEqual({ kind: 'ignored', event: 'meeting.participant_joined' });
    expect(parseZoomEvent({ event: 'recording.completed', event_ts: 1, payload: { object: { id: 1 } } }).kind).toBe('invalid');
    expect(parseZoomEvent([1, 2]).kind).toBe('invalid');
    const completed = parseZoomEvent({
      event: 'recording.completed', event_ts: 2, download_token: 'tok',
      payload: { account_id: 'a', object: { id: 987654321, uuid: '/ab//c==', recording_files: [{ file_type: 'TIMELINE', download_url: 'x' }] } },
    });
    expect(completed.kind === 'event' && completed.event.event === 'recording.completed' && completed.event.payload.object.id).toBe('987654321');
  });

  it('parses recording.transcript_completed with its download token beside the payload', () => {
    const parsed = parseZoomEvent({
      event: 'recording.transcript_completed', event_ts: 3, download_token: 'tok',
      payload: { account_id: 'a', object: { id: 1234567890, uuid: 'u==', recording_files: [{ id: 'vtt', file_type: 'TRANSCRIPT', file_extension: 'VTT', recording_start: '2021-03-23T22:14:57Z', download_url: 'x', status: 'completed', recording_type: 'audio_transcript' }] } },
    });
    expect(parsed.kind === 'event' && parsed.event.event === 'recording.transcript_completed' && [parsed.event.download_token, parsed.event.payload.object.id]).toEqual(['tok', '1234567890']);
  });

  it('reads Retry-After as seconds, as Zoom\'s ISO 8601 reset time of a daily limit, or as an HTTP-date', () => {
    const now = Date.parse('2020-05-30T23:59:30Z');
    expect(parseRetryAfterMs('2', now)).toBe(2_000);
    expect(parseRetryAfterMs('2020-05-31T00:00:00Z', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 31 May 2020 00:00:10 GMT', now)).toBe(40_000);
    expect(parseRetryAfterMs('2020-05-30T00:00:00Z', now)).toBe(0);
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
  });

  it('double-encodes a meeting UUID that starts with / or contains //, and encodes others once', () => {
    expect(encodeMeetingUuid('/ajXp112QmuoKj4854875==')).toBe('%252FajXp112QmuoKj4854875%253D%253D');
    expect(encodeMeetingUuid('ab//cd==')).toBe('ab%252F%252Fcd%253D%253D');
    expect(encodeMeetingUuid('ab/cd==')).toBe('ab%2Fcd%3D%3D');
    expect(encodeMeetingUuid('4444AAAiAAAAAiAiAiiAii==')).toBe('4444AAAiAAAAAiAiAiiAii%3D%3D');
  });
});

describe('Zoom recording segments', () => {
  const file = (over: Partial<ZoomRecordingFile>): ZoomRecordingFile => ({
    id: Math.random().toString(36).slice(2), recording_start: '2026-03-01T10:00:00Z', recording_end: '2026-03-01T10:20:00Z',
    file_type: 'MP4', file_extension: 'MP4', download_url: 'https://zoom.example/rec/download/x', status: 'completed', file_size: 100, ...over,
  });

  it('makes one segment per recording_start, preferring the shared-screen view, with its chat and transcript', () => {
    const files = [
      file({ id: 'gallery-1', recording_type: 'gallery_view' }),
      file({ id: 'shared-1', recording_type: 'shared_screen_with_speaker_view' }),
      file({ id: 'audio-1', file_type: 'M4A', file_extension: 'M4A', recording_type: 'audio_only' }),
      file({ id: 'chat-1', file_type: 'CHAT', file_extension: 'TXT', recording_type: 'chat_file', recording_start: '2026-03-01T10:00:01Z' }),
      file({ id: 'vtt-1', file_type: 'TRANSCRIPT', file_extension: 'VTT', recording_type: 'audio_transcript' }),
      file({ id: 'speaker-2', recording_type: 'active_speaker', recording_start: '2026-03-01T10:30:00Z', recording_end: '2026-03-01T10:45:00Z' }),
      file({ id: 'chat-2', file_type: 'CHAT', file_extension: 'TXT', recording_start: '2026-03-01T10:30:00Z' }),
      file({ id: 'audio-only-3', file_type: 'M4A', file_extension: 'M4A', recording_start: '2026-03-01T11:00:00Z' }),
      file({ id: 'processing-4', recording_start: '2026-03-01T11:30:00Z', status: 'processing' }),
      { file_type: 'TIMELINE', download_url: 'https://zoom.example/t' },
    ];
    const segments = groupZoomSegments(files);
    expect(segments.map((s) => [s.index, s.count, s.media.id, s.chat?.id ?? null, s.transcript?.id ?? null, s.media.extension])).toEqual([
      [1, 3, 'shared-1', 'chat-1', 'vtt-1', 'mp4'],
      [2, 3, 'speaker-2', 'chat-2', null, 'mp4'],
      [3, 3, 'audio-only-3', null, null, 'm4a'],
    ]);
    expect(segments[0]!.start).toBe('2026-03-01T10:00:00.000Z');
  });

  it('lists the finished transcripts of a meeting instance, and nothing else', () => {
    const files = [
      file({ id: 'video' }),
      file({ id: 'vtt-done', file_type: 'TRANSCRIPT', file_extension: 'VTT' }),
      file({ id: 'vtt-busy', file_type: 'TRANSCRIPT', file_extension: 'VTT', status: 'processing' }),
      { file_type: 'CC', download_url: 'https://zoom.example/cc' },
    ];
    expect(zoomTranscripts(files).map((f) => [f.id, f.fileType, f.extension])).toEqual([['vtt-done', 'TRANSCRIPT', 'vtt']]);
  });
});

describe('Zoom chat transcripts', () => {
  it('turns Zoom CHAT lines into timed JSON lines, joins continuation lines and leaves out direct messages', () => {
    const chat = [
      '\uFEFFa line before any message',
      '00:00:05\t Ana Lima:\t Good morning!',
      '00:01:10\t From Ben to Everyone:\t Question about slide 3',
      'it continues here',
      '00:01:30\t From  Cara : old style line',
      '00:02:00\t From Ben to Ana Lima(Direct Message):\t psst',
      '00:02:10\t From Dev to Everyone : Thanks: that helped',
      '01:00:00\t \t',
    ].join('\r\n');
    const { messages, skipped } = parseZoomChat(chat, 2);
    expect(messages).toEqual([
      { t: 7, author: 'Ana Lima', text: 'Good morning!' },
      { t: 72, author: 'Ben', text: 'Question about slide 3\nit continues here' },
      { t: 92, author: 'Cara', text: 'old style line' },
      { t: 132, author: 'Dev', text: 'Thanks: that helped' },
    ]);
    expect(skipped).toBe(3);
    const lines = toChatJsonLines(messages).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[1]).toEqual({ t: 72, author: 'Ben', text: 'Question about slide 3\nit continues here' });
  });
});
