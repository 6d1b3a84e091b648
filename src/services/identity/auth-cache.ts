import { type Clock, isoNow } from '../../adapters/clock';
import type { Principal } from '../../domain/identity';

/** How long a verified bearer token is trusted without asking the database again. */
const AUTH_CACHE_MS = 5_000;

/**
 * Verified bearer tokens by hash. Sign-out and revocation clear this process's entry at once; other processes see
 * them within AUTH_CACHE_MS.
 */
export function createAuthCache(clock: Clock) {
  const authCache = new Map<string, { principal: Principal; until: number; expiresAt: string | null }>();

  function forgetWhere(matches: (principal: Principal, hash: string) => boolean) {
    for (const [hash, entry] of authCache) if (matches(entry.principal, hash)) authCache.delete(hash);
  }

  return {
    cached(hash: string): Principal | null {
      const hit = authCache.get(hash);
      if (!hit) return null;
      if (hit.until < Date.now() || (hit.expiresAt !== null && hit.expiresAt <= isoNow(clock))) {
        authCache.delete(hash);
        return null;
      }
      return hit.principal;
    },

    remember(hash: string, principal: Principal, expiresAt: string | null) {
      if (authCache.size > 50_000) authCache.clear();
      authCache.set(hash, { principal, until: Date.now() + AUTH_CACHE_MS, expiresAt });
    },

    forget(hash: string) {
      authCache.delete(hash);
    },

    /** Forgets a user's tokens, except the one hashed `keepHash`. */
    forgetUser(userId: string, keepHash: string | null = null) {
      forgetWhere((p, hash) => p.kind === 'user' && p.userId === userId && hash !== keepHash);
    },

    forgetApiKey(apiKeyId: string) {
      forgetWhere((p) => p.kind === 'api-key' && p.apiKeyId === apiKeyId);
    },
  };
}

export type AuthCache = ReturnType<typeof createAuthCache>;
