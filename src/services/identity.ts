import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import { hashPassword, newId, randomToken, safeEqual, sha256Hex, verifyPassword } from '../adapters/crypto';
import type { IdentityRepository, UserRecord } from '../adapters/db/identity-repository';
import type { PageRequest } from '../adapters/db/pagination';
import { Conflict, DomainError, NotFound, Unauthenticated } from '../domain/errors';
import { type Principal, type UserRole, requireRole } from '../domain/identity';

const USER_TOKEN_PREFIX = 'aula_t_';
const API_KEY_PREFIX = 'aula_k_';

export interface IdentityServiceDeps {
  users: IdentityRepository;
  clock: Clock;
  logger: Logger;
  adminKey: string | undefined;
  tokenTtlSeconds: number;
  lmsTokenTtlSeconds: number;
}

export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  password?: string | undefined;
  externalId?: string | null | undefined;
}

/** Password guessing: after this many failures for one email within the window, sign-in is refused (429). */
const MAX_FAILED_LOGINS = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;

/** How long a verified bearer token is trusted without asking the database again. */
const AUTH_CACHE_MS = 5_000;

export function createIdentityService(deps: IdentityServiceDeps) {
  const { users, clock } = deps;
  // Sign-out and revocation clear this process's entry at once; other processes see them within AUTH_CACHE_MS.
  const authCache = new Map<string, { principal: Principal; until: number; expiresAt: string | null }>();
  const failedLogins = new Map<string, number[]>();

  function cached(hash: string): Principal | null {
    const hit = authCache.get(hash);
    if (!hit) return null;
    if (hit.until < Date.now() || (hit.expiresAt !== null && hit.expiresAt <= isoNow(clock))) {
      authCache.delete(hash);
      return null;
    }
    return hit.principal;
  }

  function remember(hash: string, principal: Principal, expiresAt: string | null) {
    if (authCache.size > 50_000) authCache.clear();
    authCache.set(hash, { principal, until: Date.now() + AUTH_CACHE_MS, expiresAt });
  }

  async function issueToken(userId: string, kind: 'login' | 'lms', ttlSeconds: number) {
    const token = USER_TOKEN_PREFIX + randomToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    await users.insertToken({ id: newId(), userId, tokenHash: sha256Hex(token), kind, now: now.toISOString(), expiresAt });
    return { token, expiresAt };
  }

  async function mustGetUser(id: string): Promise<UserRecord> {
    const user = await users.getUser(id);
    if (!user) throw new NotFound('User', id);
    return user;
  }

  return {
    /** Resolves an `Authorization: Bearer …` value to a principal, or throws Unauthenticated. */
    async authenticate(bearer: string): Promise<Principal> {
      if (deps.adminKey && safeEqual(bearer, deps.adminKey)) return { kind: 'api-key', apiKeyId: null, role: 'admin' };
      const hash = sha256Hex(bearer);
      const hit = cached(hash);
      if (hit) return hit;
      if (bearer.startsWith(API_KEY_PREFIX)) {
        const key = await users.getApiKeyByHash(hash);
        if (!key) throw new Unauthenticated('Unknown API key');
        if (key.revoked_at) throw new Unauthenticated('This API key has been revoked');
        const principal: Principal = { kind: 'api-key', apiKeyId: key.id, role: 'admin' };
        remember(hash, principal, null);
        return principal;
      }
      if (bearer.startsWith(USER_TOKEN_PREFIX)) {
        const row = await users.getForBearerToken(hash);
        if (!row) throw new Unauthenticated('Unknown token');
        if (row.revokedAt) throw new Unauthenticated('This token has been signed out');
        if (row.expiresAt <= isoNow(clock)) throw new Unauthenticated('This token has expired; sign in again');
        const principal: Principal = { kind: 'user', userId: row.userId, role: row.role, name: row.name };
        remember(hash, principal, row.expiresAt);
        return principal;
      }
      throw new Unauthenticated('Unrecognised credentials');
    },

    async login(email: string, password: string) {
      const attemptKey = email.toLowerCase();
      const recent = (failedLogins.get(attemptKey) ?? []).filter((t) => t > Date.now() - LOGIN_WINDOW_MS);
      if (recent.length >= MAX_FAILED_LOGINS) {
        throw new DomainError('too_many_requests', `Too many failed sign-ins for ${attemptKey}; try again in ${Math.ceil((recent[0]! + LOGIN_WINDOW_MS - Date.now()) / 60_000)} minutes`);
      }
      const row = await users.getForLogin(email);
      // Verify against a dummy hash for unknown users so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$16384$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      if (!row || !row.password_hash || !ok) {
        if (failedLogins.size > 100_000) failedLogins.clear();
        failedLogins.set(attemptKey, [...recent, Date.now()]);
        throw new Unauthenticated('Wrong email or password');
      }
      failedLogins.delete(attemptKey);
      const { token, expiresAt } = await issueToken(row.id, 'login', deps.tokenTtlSeconds);
      return { token, expiresAt, user: await mustGetUser(row.id) };
    },

    async logout(bearer: string) {
      authCache.delete(sha256Hex(bearer));
      await users.revokeToken(sha256Hex(bearer), isoNow(clock));
    },

    /** An LMS mints a short-lived token so the browser acts as one of its users. */
    async mintUserToken(actor: Principal, userId: string, ttlSeconds?: number) {
      requireRole(actor, 'admin');
      await mustGetUser(userId);
      return issueToken(userId, 'lms', Math.min(ttlSeconds ?? deps.lmsTokenTtlSeconds, deps.lmsTokenTtlSeconds));
    },

    async createUser(actor: Principal | 'system', input: NewUser): Promise<UserRecord> {
      if (actor !== 'system') requireRole(actor, 'admin');
      const email = input.email.toLowerCase();
      if (await users.getForLogin(email)) throw new Conflict(`A user with email ${email} already exists`);
      if (input.externalId && (await users.getUserByExternalId(input.externalId))) throw new Conflict(`A user with externalId ${input.externalId} already exists`);
      const id = newId();
      await users.insertUser({
        id,
        email,
        name: input.name,
        role: input.role,
        passwordHash: input.password ? await hashPassword(input.password) : null,
        externalId: input.externalId ?? null,
        now: isoNow(clock),
      });
      return mustGetUser(id);
    },

    async updateUser(actor: Principal, id: string, patch: Partial<NewUser>) {
      requireRole(actor, 'admin');
      const current = await mustGetUser(id);
      if (patch.email && patch.email.toLowerCase() !== current.email && (await users.getForLogin(patch.email))) {
        throw new Conflict(`A user with email ${patch.email} already exists`);
      }
      if (patch.externalId && patch.externalId !== current.externalId && (await users.getUserByExternalId(patch.externalId))) {
        throw new Conflict(`A user with externalId ${patch.externalId} already exists`);
      }
      await users.updateUser(id, {
        ...(patch.email !== undefined && { email: patch.email.toLowerCase() }),
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.role !== undefined && { role: patch.role }),
        ...(patch.password !== undefined && { passwordHash: await hashPassword(patch.password) }),
        ...(patch.externalId !== undefined && { externalId: patch.externalId }),
        now: isoNow(clock),
      });
      return mustGetUser(id);
    },

    async deleteUser(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      if (!(await users.deleteUser(id))) throw new NotFound('User', id);
    },

    async getUser(actor: Principal, id: string) {
      if (actor.kind === 'user' && actor.userId === id) return mustGetUser(id);
      requireRole(actor, 'admin');
      return mustGetUser(id);
    },

    async getUserByExternalId(actor: Principal, externalId: string) {
      requireRole(actor, 'admin');
      const user = await users.getUserByExternalId(externalId);
      if (!user) throw new NotFound('User with externalId', externalId);
      return user;
    },

    async listUsers(actor: Principal, filter: { role?: UserRole | undefined }, page: PageRequest) {
      requireRole(actor, 'admin');
      return users.listUsers(filter, page);
    },

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
      for (const [hash, entry] of authCache) if (entry.principal.kind === 'api-key' && entry.principal.apiKeyId === id) authCache.delete(hash);
    },

    countUsers: () => users.countUsers(),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
