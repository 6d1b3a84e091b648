import type { FastifyReply, FastifyRequest } from 'fastify';
import { USER_ROLES, type Principal, type UserRole } from '../domain/identity';

/**
 * A signed, HttpOnly cookie naming the user this browser is signed in as, sent only to `/media`.
 * It grants nothing by itself (the path token is the authorisation); it lets a media request that carries no
 * bearer token be refused when the link was issued to someone else — a copied link opened in another
 * student's browser.
 */
const VIEWER_COOKIE = 'aula_viewer';
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

export function rememberViewer(reply: FastifyReply, viewer: Principal | { userId: string; role: UserRole }, secure: boolean): void {
  if ('kind' in viewer && viewer.kind !== 'user') return;
  reply.setCookie(VIEWER_COOKIE, `${viewer.userId}:${viewer.role}`, { path: '/media', httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: ONE_YEAR_SECONDS });
}

export function forgetViewer(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(VIEWER_COOKIE, { path: '/media', httpOnly: true, sameSite: 'lax', secure });
}

export function viewerFromCookie(req: FastifyRequest): { userId: string; role: UserRole } | null {
  const raw = req.cookies[VIEWER_COOKIE];
  if (!raw) return null;
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  const [userId, role] = unsigned.value.split(':');
  if (!userId || !(USER_ROLES as readonly string[]).includes(role ?? '')) return null;
  return { userId, role: role as UserRole };
}

/**
 * A signed, HttpOnly cookie sent only to the sign-in routes, naming the user who signed in from this browser before.
 * It proves nothing by itself; it lets that user sign in with the right password while strangers' guesses have
 * their email held back.
 */
const DEVICE_COOKIE = 'aula_device';

export function rememberDevice(reply: FastifyReply, userId: string, secure: boolean): void {
  reply.setCookie(DEVICE_COOKIE, userId, { path: '/api/v1/auth', httpOnly: true, sameSite: 'strict', secure, signed: true, maxAge: ONE_YEAR_SECONDS });
}

export function knownUserOfDevice(req: FastifyRequest): string | null {
  const raw = req.cookies[DEVICE_COOKIE];
  if (!raw) return null;
  const unsigned = req.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : null;
}
