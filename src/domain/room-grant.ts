import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './identity';

/**
 * What one Aula process tells the process hosting a class's room when it forwards a participant's signaling:
 * who was authenticated, for which class, for which host, until when. Signed with a key derived from the shared
 * secret, so nobody outside the processes can make one, and short-lived, so a captured one soon stops working.
 */
export interface RoomGrant {
  liveClassId: string;
  /** The internal address of the process it is meant for. */
  host: string;
  principal: Principal;
  expiresAtUnix: number;
}

export type RoomGrantCheck = { ok: true; grant: RoomGrant } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-host' };

const VERSION = 'r1';

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}.${body}`).digest();
}

export function signRoomGrant(grant: RoomGrant, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(grant)).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body).toString('base64url')}`;
}

function isPrincipal(value: unknown): value is Principal {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  if (p.kind === 'api-key') return p.role === 'admin' && (p.apiKeyId === null || typeof p.apiKeyId === 'string');
  return p.kind === 'user' && typeof p.userId === 'string' && typeof p.name === 'string' && (p.role === 'admin' || p.role === 'instructor' || p.role === 'student');
}

/** The grant, when it is signed with `key`, unexpired and meant for `self`. */
export function verifyRoomGrant(token: string, key: Buffer, self: string, nowUnix: number): RoomGrantCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const [, body, sig] = parts as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const g = parsed as Partial<RoomGrant>;
  if (typeof g.liveClassId !== 'string' || typeof g.host !== 'string' || typeof g.expiresAtUnix !== 'number' || !isPrincipal(g.principal)) return { ok: false, reason: 'malformed' };
  if (g.expiresAtUnix <= nowUnix) return { ok: false, reason: 'expired' };
  if (g.host !== self) return { ok: false, reason: 'wrong-host' };
  return { ok: true, grant: { liveClassId: g.liveClassId, host: g.host, principal: g.principal, expiresAtUnix: g.expiresAtUnix } };
}
