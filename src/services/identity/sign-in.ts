import { isoNow } from '../../adapters/clock';
import { hashPassword, sha256Hex, verifyPassword } from '../../adapters/crypto';
import { AccessDenied, TooManyRequests, Unauthenticated } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import { addressWaitSeconds, emailWaitSeconds, recentFailures } from '../../domain/sign-in-limits';
import type { AuthCache } from './auth-cache';
import type { Sessions } from './sessions';
import type { IdentityServiceDeps, SignInContext } from './types';

type FailureLog = Map<string, { failures: number[] }>;

function noteFailure(map: FailureLog, key: string, recent: number[], nowMs: number) {
  if (map.size > 100_000) map.clear();
  map.set(key, { failures: [...recent.slice(-100), nowMs] });
}

/** Signing in with a password (held back after failed guesses), out, everywhere, and an LMS's short-lived tokens. */
export function createSignIn(deps: Pick<IdentityServiceDeps, 'users' | 'clock' | 'tokenTtlSeconds' | 'lmsTokenTtlSeconds'>, cache: AuthCache, sessions: Sessions) {
  const { users, clock } = deps;
  const { issueToken, endSessions, mustGetUser } = sessions;
  const failuresByEmail: FailureLog = new Map();
  const failuresByAddress: FailureLog = new Map();

  return {
    async login(email: string, password: string, ctx: SignInContext = { ip: 'unknown', knownUserId: null }) {
      const emailKey = email.toLowerCase();
      const nowMs = clock.now().getTime();
      const byEmail = recentFailures(failuresByEmail.get(emailKey), nowMs);
      const byAddress = recentFailures(failuresByAddress.get(ctx.ip), nowMs);
      const row = await users.getForLogin(email);
      // A browser this user signed in from before is not held back by strangers' guesses.
      const knownBrowser = row !== undefined && ctx.knownUserId === row.id;
      if (!knownBrowser) {
        const wait = Math.max(emailWaitSeconds(byEmail, nowMs), addressWaitSeconds(byAddress, nowMs));
        if (wait > 0) {
          throw new TooManyRequests(`Too many failed sign-ins; try again in ${wait < 90 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}, or from a browser you signed in from before`, wait);
        }
      }
      // Verify against a dummy hash for unknown users so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      if (!row || !row.password_hash || !ok) {
        noteFailure(failuresByEmail, emailKey, byEmail, nowMs);
        noteFailure(failuresByAddress, ctx.ip, byAddress, nowMs);
        throw new Unauthenticated('Wrong email or password');
      }
      failuresByEmail.delete(emailKey);
      const { token, expiresAt } = await issueToken(row.id, 'login', deps.tokenTtlSeconds);
      return { token, expiresAt, user: await mustGetUser(row.id) };
    },

    /** The signed-in user changes their password; every other session of theirs ends, this one stays. */
    async changeOwnPassword(actor: Principal, bearer: string | null, currentPassword: string, newPassword: string) {
      if (actor.kind !== 'user') throw new AccessDenied('Only a signed-in user changes their own password');
      const stored = await users.getPasswordHash(actor.userId);
      if (!stored || !(await verifyPassword(currentPassword, stored))) throw new Unauthenticated('The current password is wrong');
      await users.updateUser(actor.userId, { passwordHash: await hashPassword(newPassword), now: isoNow(clock) });
      return { endedSessions: await endSessions(actor.userId, bearer) };
    },

    /** Ends every session of a user (admin, or the user themself: then all but the asking one). */
    async signOutEverywhere(actor: Principal, userId: string, bearer: string | null) {
      const self = actor.kind === 'user' && actor.userId === userId;
      if (!self) requireRole(actor, 'admin');
      await mustGetUser(userId);
      return { endedSessions: await endSessions(userId, self ? bearer : null) };
    },

    async logout(bearer: string) {
      cache.forget(sha256Hex(bearer));
      await users.revokeToken(sha256Hex(bearer), isoNow(clock));
    },

    /** An LMS mints a short-lived token so the browser acts as one of its users. */
    async mintUserToken(actor: Principal, userId: string, ttlSeconds?: number) {
      requireRole(actor, 'admin');
      await mustGetUser(userId);
      return issueToken(userId, 'lms', Math.min(ttlSeconds ?? deps.lmsTokenTtlSeconds, deps.lmsTokenTtlSeconds));
    },
  };
}
