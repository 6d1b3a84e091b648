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
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const [, recordingId, viewerId, exp, sig] = parts as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(key, `${VERSION}.${recordingId}.${viewerId}.${exp}`));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  const expiresAtUnix = Number(exp);
  if (expiresAtUnix <= nowUnix) return { ok: false, reason: 'expired' };
  return { ok: true, grant: { recordingId, viewerId, expiresAtUnix } };
}
