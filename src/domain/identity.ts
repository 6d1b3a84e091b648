import { AccessDenied } from './errors';

export const USER_ROLES = ['admin', 'instructor', 'student'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Who is calling: a signed-in user, or an LMS API key acting as admin. */
export type Principal =
  | { kind: 'user'; userId: string; role: UserRole; name: string }
  | { kind: 'api-key'; apiKeyId: string | null; role: 'admin' };

export function isAdmin(p: Principal): boolean {
  return p.role === 'admin';
}

export function requireRole(p: Principal, ...roles: UserRole[]): void {
  if (!roles.includes(p.role)) {
    throw new AccessDenied(`This action needs the ${roles.join(' or ')} role; you are ${p.role}`);
  }
}

/** The user id of the caller, or null for an API key. */
export function principalUserId(p: Principal): string | null {
  return p.kind === 'user' ? p.userId : null;
}
