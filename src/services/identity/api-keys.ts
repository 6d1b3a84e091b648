import { isoNow } from '../../adapters/clock';
import { newId, randomToken, sha256Hex } from '../../adapters/crypto';
import { Conflict, NotFound } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { AuthCache } from './auth-cache';
import { API_KEY_PREFIX, type IdentityServiceDeps } from './types';

/** API keys for LMS integrations: created (shown once), listed by prefix, revoked. */
export function createApiKeys(deps: Pick<IdentityServiceDeps, 'users' | 'clock' | 'logger'>, cache: AuthCache) {
  const { users, clock } = deps;

  return {
    async createApiKey(actor: Principal, name: string) {
      requireRole(actor, 'admin');
      const key = API_KEY_PREFIX + randomToken();
      const id = newId();
      const now = isoNow(clock);
      await users.insertApiKey({ id, name, keyHash: sha256Hex(key), keyPrefix: key.slice(0, API_KEY_PREFIX.length + 6), now });
      deps.logger.info({ apiKeyId: id }, 'api key created');
      return { id, name, key, createdAt: now };
    },

    async listApiKeys(actor: Principal) {
      requireRole(actor, 'admin');
      return (await users.listApiKeys()).map((k) => ({ id: k.id, name: k.name, prefix: k.key_prefix, createdAt: k.created_at, revokedAt: k.revoked_at, lastUsedAt: k.last_used_at }));
    },

    async revokeApiKey(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      const key = await users.getApiKey(id);
      if (!key) throw new NotFound('API key', id);
      if (key.revoked_at) throw new Conflict(`API key ${id} is already revoked`);
      await users.revokeApiKey(id, isoNow(clock));
      cache.forgetApiKey(id);
    },
  };
}
