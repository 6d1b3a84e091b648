import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A playback grant bound to one recording, one viewer and an expiry. It travels in the URL path
 * (`/media/{token}/…`) so every playlist, segment and image the player fetches by relative URL carries it.
 */
export interface PlaybackGrant {
  recordingId: string;
  /** The viewer's user id, or `key` for an API key. */
  viewerId: string;
  expiresAtUnix: number;
}

const VERSION = 'v1';
const SAFE = /^[A-Za-z0-9-]+$/;

/**
 * The first 18 bytes of the HMAC as base64url. 18 bytes are exactly 24 characters, so cutting the encoded digest
 * gives the same text as encoding the cut digest, without a Buffer per token (a list page signs one per item).
 */
function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url').slice(0, 24);
}

export function signPlaybackToken(grant: PlaybackGrant, key: Buffer): string {
  if (!SAFE.test(grant.recordingId) || !SAFE.test(grant.viewerId)) throw new Error('ids in a playback token must be URL-safe');
  const body = `${VERSION}.${grant.recordingId}.${grant.viewerId}.${grant.expiresAtUnix}`;
  return `${body}.${mac(key, body)}`;
}

export type PlaybackTokenCheck =
  | { ok: true; grant: PlaybackGrant }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyPlaybackToken(token: string, key: Buffer, nowUnix: number): PlaybackTokenCheck {
  const opened = openToken(token, VERSION, 2, key, nowUnix);
  if (!opened.ok) return opened;
  const [recordingId, viewerId] = opened.fields as [string, string];
  return { ok: true, grant: { recordingId, viewerId, expiresAtUnix: opened.expiresAtUnix } };
}

/**
 * `{version}.{fields…}.{expiry}.{mac}` checked: the version and shape, the signature in constant time, then the
 * expiry. Every token of this module has that shape.
 */
function openToken(token: string, version: string, fieldCount: number, key: Buffer, nowUnix: number):
  { ok: true; fields: string[]; expiresAtUnix: number } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' } {
  const parts = token.split('.');
  if (parts.length !== fieldCount + 3 || parts[0] !== version) return { ok: false, reason: 'malformed' };
  const fields = parts.slice(1, 1 + fieldCount);
  const exp = parts[1 + fieldCount]!;
  const sig = parts[2 + fieldCount]!;
  if (!fields.every((f) => SAFE.test(f)) || !/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(key, parts.slice(0, -1).join('.')));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  const expiresAtUnix = Number(exp);
  if (expiresAtUnix <= nowUnix) return { ok: false, reason: 'expired' };
  return { ok: true, fields, expiresAtUnix };
}

/**
 * A live audience grant: one recording being recorded, for everyone watching it, until `expiresAtUnix`. It carries no
 * viewer, so every viewer of a class fetches the same URLs and a cache in front serves them all; it is short-lived and
 * handed only to the class's participants, who renew it while they watch.
 */
export interface AudienceGrant {
  recordingId: string;
  expiresAtUnix: number;
}

const AUDIENCE_VERSION = 'a1';

/**
 * The expiry shared by every audience token issued in the same window: the end of the window after the current one,
 * so a token is valid for between one and two windows and the URL changes once per window, not per viewer.
 */
export function audienceExpiry(nowUnix: number, windowSeconds: number): number {
  return (Math.floor(nowUnix / windowSeconds) + 2) * windowSeconds;
}

export function signAudienceToken(grant: AudienceGrant, key: Buffer): string {
  if (!SAFE.test(grant.recordingId)) throw new Error('ids in an audience token must be URL-safe');
  const body = `${AUDIENCE_VERSION}.${grant.recordingId}.${grant.expiresAtUnix}`;
  return `${body}.${mac(key, body)}`;
}

export type AudienceTokenCheck = { ok: true; grant: AudienceGrant } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyAudienceToken(token: string, key: Buffer, nowUnix: number): AudienceTokenCheck {
  const opened = openToken(token, AUDIENCE_VERSION, 1, key, nowUnix);
  if (!opened.ok) return opened;
  return { ok: true, grant: { recordingId: opened.fields[0]!, expiresAtUnix: opened.expiresAtUnix } };
}
