import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one-click unsubscribe link of a user's mails: the user id and an HMAC of it. It never expires, so the link in
 * an old mail still works, and it grants nothing but turning that user's mail off (or back on).
 */
const VERSION = 'u1';

function mac(key: Buffer, userId: string): string {
  return createHmac('sha256', key).update(`${VERSION}.${userId}`).digest('base64url').slice(0, 32);
}

export function signUnsubscribeToken(userId: string, key: Buffer): string {
  return `${VERSION}.${userId}.${mac(key, userId)}`;
}

/** The user id the token was made for, or null when it was not made with this key. */
export function verifyUnsubscribeToken(token: string, key: Buffer): string | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1]) return null;
  const expected = Buffer.from(mac(key, parts[1]));
  const given = Buffer.from(parts[2] ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given) ? parts[1] : null;
}
