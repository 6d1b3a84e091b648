import { isoNow } from '../../adapters/clock';
import { newId, randomToken, sha256Hex } from '../../adapters/crypto';
import type { UserRecord } from '../../adapters/db/identity-repository';
import { NotFound } from '../../domain/errors';
import type { AuthCache } from './auth-cache';
import { type IdentityServiceDeps, USER_TOKEN_PREFIX } from './types';

/** Users' bearer tokens: issued at sign-in or by an LMS, ended by sign-out, a new password or a new role. */
export function createSessions(deps: Pick<IdentityServiceDeps, 'users' | 'clock'>, cache: AuthCache) {
  const { users, clock } = deps;

  return {
    async issueToken(userId: string, kind: 'login' | 'lms', ttlSeconds: number) {
      const token = USER_TOKEN_PREFIX + randomToken();
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
      await users.insertToken({ id: newId(), userId, tokenHash: sha256Hex(token), kind, now: now.toISOString(), expiresAt });
      return { token, expiresAt };
    },

    /** Ends sessions of a user and forgets them in this process at once. */
    async endSessions(userId: string, exceptBearer: string | null) {
      const ended = await users.revokeTokensOfUser(userId, isoNow(clock), exceptBearer ? sha256Hex(exceptBearer) : null);
      cache.forgetUser(userId, exceptBearer ? sha256Hex(exceptBearer) : null);
      return ended;
    },

    async mustGetUser(id: string): Promise<UserRecord> {
      const user = await users.getUser(id);
      if (!user) throw new NotFound('User', id);
      return user;
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
