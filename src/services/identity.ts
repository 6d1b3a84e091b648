import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import { hashPassword, newId, randomToken, safeEqual, sha256Hex, verifyPassword } from '../adapters/crypto';
import type { IdentityRepository, UserRecord } from '../adapters/db/identity-repository';
import type { PageRequest } from '../adapters/db/pagination';
import { AccessDenied, Conflict, NotFound, TooManyRequests, Unauthenticated } from '../domain/errors';
import { addressWaitSeconds, emailWaitSeconds, recentFailures } from '../domain/sign-in-limits';
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

/** Where a sign-in comes from: the client address, and the user this browser signed in as before (device cookie). */
export interface SignInContext {
  ip: string;
  knownUserId: string | null;
}

/** An API key's last use is written at most this often, not on every request. */
const LAST_USED_WRITE_MS = 60_000;

/** How long a verified bearer token is trusted without asking the database again. */
const AUTH_CACHE_MS = 5_000;

export function createIdentityService(deps: IdentityServiceDeps) {
  const { users, clock } = deps;
  // Sign-out and revocation clear this process's entry at once; other processes see them within AUTH_CACHE_MS.
  const authCache = new Map<string, { principal: Principal; until: number; expiresAt: string | null }>();
  const failuresByEmail = new Map<string, { failures: number[] }>();
  const failuresByAddress = new Map<string, { failures: number[] }>();
  const lastUsedWritten = new Map<string, number>();

  function noteFailure(map: Map<string, { failures: number[] }>, key: string, recent: number[], nowMs: number) {
    if (map.size > 100_000) map.clear();
    map.set(key, { failures: [...recent.slice(-100), nowMs] });
  }

  /** Records that an API key was used, at most once a minute per key per process. */
  function touchApiKey(id: string) {
    const nowMs = Date.now();
    if ((lastUsedWritten.get(id) ?? 0) > nowMs - LAST_USED_WRITE_MS) return;
    if (lastUsedWritten.size > 10_000) lastUsedWritten.clear();
    lastUsedWritten.set(id, nowMs);
    users.touchApiKey(id, isoNow(clock)).catch((err: unknown) => deps.logger.warn({ err, apiKeyId: id }, 'could not record API key use'));
  }

  /** Ends sessions of a user and forgets them in this process at once. */
  async function endSessions(userId: string, exceptBearer: string | null) {
    const ended = await users.revokeTokensOfUser(userId, isoNow(clock), exceptBearer ? sha256Hex(exceptBearer) : null);
    const keep = exceptBearer ? sha256Hex(exceptBearer) : null;
    for (const [hash, entry] of authCache) if (entry.principal.kind === 'user' && entry.principal.userId === userId && hash !== keep) authCache.delete(hash);
    return ended;
  }

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
      if (hit) {
        if (hit.kind === 'api-key' && hit.apiKeyId) touchApiKey(hit.apiKeyId);
        return hit;
      }
      if (bearer.startsWith(API_KEY_PREFIX)) {
        const key = await users.getApiKeyByHash(hash);
        if (!key) throw new Unauthenticated('Unknown API key');
        if (key.revoked_at) throw new Unauthenticated('This API key has been revoked');
        const principal: Principal = { kind: 'api-key', apiKeyId: key.id, role: 'admin' };
        remember(hash, principal, null);
        touchApiKey(key.id);
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
      const changed = await users.updateUser(id, {
        ...(patch.email !== undefined && { email: patch.email.toLowerCase() }),
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.role !== undefined && { role: patch.role }),
        ...(patch.password !== undefined && { passwordHash: await hashPassword(patch.password) }),
        ...(patch.externalId !== undefined && { externalId: patch.externalId }),
        now: isoNow(clock),
      });
      // A new password (or role) means whoever held the old sessions must sign in again.
      if (changed && (patch.password !== undefined || (patch.role !== undefined && patch.role !== current.role))) await endSessions(id, null);
      return mustGetUser(id);
    },

    async deleteUser(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      if (!(await users.deleteUser(id))) throw new NotFound('User', id);
      for (const [hash, entry] of authCache) if (entry.principal.kind === 'user' && entry.principal.userId === id) authCache.delete(hash);
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
