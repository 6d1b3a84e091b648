import type { UserRole } from '../../domain/identity';
import type { Db } from './database';
import { type Page, type PageRequest, toPage } from './pagination';
import type { UsersTable } from './schema';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  externalId: string | null;
  createdAt: string;
}

const userColumns = ['id', 'email', 'name', 'role', 'external_id', 'created_at'] as const;

function toUser(row: Pick<UsersTable, (typeof userColumns)[number]>): UserRecord {
  return { id: row.id, email: row.email, name: row.name, role: row.role, externalId: row.external_id, createdAt: row.created_at };
}

export function createIdentityRepository(db: Db) {
  return {
    async insertUser(u: { id: string; email: string; name: string; role: UserRole; passwordHash: string | null; externalId: string | null; now: string }) {
      await db
        .insertInto('users')
        .values({ id: u.id, email: u.email, name: u.name, role: u.role, password_hash: u.passwordHash, external_id: u.externalId, created_at: u.now, updated_at: u.now })
        .execute();
    },

    async updateUser(id: string, patch: { email?: string; name?: string; role?: UserRole; passwordHash?: string; externalId?: string | null; now: string }) {
      const result = await db
        .updateTable('users')
        .set({
          ...(patch.email !== undefined && { email: patch.email }),
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.role !== undefined && { role: patch.role }),
          ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
          ...(patch.externalId !== undefined && { external_id: patch.externalId }),
          updated_at: patch.now,
        })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteUser(id: string) {
      const r = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async getUser(id: string): Promise<UserRecord | null> {
      const row = await db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async getUserByExternalId(externalId: string): Promise<UserRecord | null> {
      const row = await db.selectFrom('users').select(userColumns).where('external_id', '=', externalId).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async getForLogin(email: string) {
      return db.selectFrom('users').select([...userColumns, 'password_hash']).where('email', '=', email.toLowerCase()).executeTakeFirst();
    },

    async listUsers(filter: { role?: UserRole | undefined }, page: PageRequest): Promise<Page<UserRecord>> {
      let q = db.selectFrom('users').select(userColumns).orderBy('id').limit(page.limit + 1);
      if (filter.role) q = q.where('role', '=', filter.role);
      if (page.cursor) q = q.where('id', '>', page.cursor);
      return toPage((await q.execute()).map(toUser), page.limit);
    },

    async countUsers(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async insertToken(t: { id: string; userId: string; tokenHash: string; kind: 'login' | 'lms'; now: string; expiresAt: string }) {
      await db
        .insertInto('auth_tokens')
        .values({ id: t.id, user_id: t.userId, token_hash: t.tokenHash, kind: t.kind, created_at: t.now, expires_at: t.expiresAt, revoked_at: null })
        .execute();
    },

    /** The user behind a bearer token, with what is needed to decide whether it still counts. */
    async getForBearerToken(tokenHash: string) {
      return db
        .selectFrom('auth_tokens as t')
        .innerJoin('users as u', 'u.id', 't.user_id')
        .select(['t.id as tokenId', 't.expires_at as expiresAt', 't.revoked_at as revokedAt', 'u.id as userId', 'u.role', 'u.name'])
        .where('t.token_hash', '=', tokenHash)
        .executeTakeFirst();
    },

    /** Signs a user out everywhere, but for the token given (the session that asked, when it is the user's own). */
    async revokeTokensOfUser(userId: string, now: string, exceptTokenHash: string | null) {
      let q = db.updateTable('auth_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
      if (exceptTokenHash) q = q.where('token_hash', '!=', exceptTokenHash);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },

    async getPasswordHash(userId: string) {
      return (await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst())?.password_hash ?? null;
    },

    async touchApiKey(id: string, now: string) {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },

    async revokeToken(tokenHash: string, now: string) {
      await db.updateTable('auth_tokens').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).execute();
    },

    async insertApiKey(k: { id: string; name: string; keyHash: string; keyPrefix: string; now: string }) {
      await db
        .insertInto('api_keys')
        .values({ id: k.id, name: k.name, key_hash: k.keyHash, key_prefix: k.keyPrefix, created_at: k.now, revoked_at: null, last_used_at: null })
        .execute();
    },

    async getApiKeyByHash(keyHash: string) {
      return db.selectFrom('api_keys').select(['id', 'revoked_at']).where('key_hash', '=', keyHash).executeTakeFirst();
    },

    async listApiKeys() {
      return db.selectFrom('api_keys').select(['id', 'name', 'key_prefix', 'created_at', 'revoked_at', 'last_used_at']).orderBy('id').execute();
    },

    async revokeApiKey(id: string, now: string) {
      const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async getApiKey(id: string) {
      return db.selectFrom('api_keys').select(['id', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    },
  };
}

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;
