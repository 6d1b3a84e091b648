import { isoNow } from '../../adapters/clock';
import { safeEqual, sha256Hex } from '../../adapters/crypto';
import { Unauthenticated } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { AuthCache } from './auth-cache';
import { API_KEY_PREFIX, type IdentityServiceDeps, USER_TOKEN_PREFIX } from './types';

/** An API key's last use is written at most this often, not on every request. */
const LAST_USED_WRITE_MS = 60_000;

/** Who a request's bearer token is: the configured admin key, an API key or a user's token. */
export function createAuthentication(deps: Pick<IdentityServiceDeps, 'users' | 'clock' | 'logger' | 'adminKey'>, cache: AuthCache) {
  const { users, clock } = deps;
  const lastUsedWritten = new Map<string, number>();

  /** Records that an API key was used, at most once a minute per key per process. */
  function touchApiKey(id: string) {
    const nowMs = Date.now();
    if ((lastUsedWritten.get(id) ?? 0) > nowMs - LAST_USED_WRITE_MS) return;
    if (lastUsedWritten.size > 10_000) lastUsedWritten.clear();
    lastUsedWritten.set(id, nowMs);
    users.touchApiKey(id, isoNow(clock)).catch((err: unknown) => deps.logger.warn({ err, apiKeyId: id }, 'could not record API key use'));
  }

  return {
    /** Resolves an `Authorization: Bearer …` value to a principal, or throws Unauthenticated. */
    async authenticate(bearer: string): Promise<Principal> {
      if (deps.adminKey && safeEqual(bearer, deps.adminKey)) return { kind: 'api-key', apiKeyId: null, role: 'admin' };
      const hash = sha256Hex(bearer);
      const hit = cache.cached(hash);
      if (hit) {
        if (hit.kind === 'api-key' && hit.apiKeyId) touchApiKey(hit.apiKeyId);
        return hit;
      }
      if (bearer.startsWith(API_KEY_PREFIX)) {
        const key = await users.getApiKeyByHash(hash);
        if (!key) throw new Unauthenticated('Unknown API key');
        if (key.revoked_at) throw new Unauthenticated('This API key has been revoked');
        const principal: Principal = { kind: 'api-key', apiKeyId: key.id, role: 'admin' };
        cache.remember(hash, principal, null);
        touchApiKey(key.id);
        return principal;
      }
      if (bearer.startsWith(USER_TOKEN_PREFIX)) {
        const row = await users.getForBearerToken(hash);
        if (!row) throw new Unauthenticated('Unknown token');
        if (row.revokedAt) throw new Unauthenticated('This token has been signed out');
        if (row.expiresAt <= isoNow(clock)) throw new Unauthenticated('This token has expired; sign in again');
        const principal: Principal = { kind: 'user', userId: row.userId, role: row.role, name: row.name };
        cache.remember(hash, principal, row.expiresAt);
        return principal;
      }
      throw new Unauthenticated('Unrecognised credentials');
    },
  };
}
