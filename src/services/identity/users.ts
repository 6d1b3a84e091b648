import { isoNow } from '../../adapters/clock';
import { hashPassword, newId } from '../../adapters/crypto';
import type { UserRecord } from '../../adapters/db/identity-repository';
import type { PageRequest } from '../../adapters/db/pagination';
import { Conflict, NotFound } from '../../domain/errors';
import { type Principal, type UserRole, requireRole } from '../../domain/identity';
import type { AuthCache } from './auth-cache';
import type { Sessions } from './sessions';
import type { IdentityServiceDeps, NewUser } from './types';

/** User accounts, kept by admins (and by the system for seeded and LMS-provisioned users). */
export function createUserAccounts(deps: Pick<IdentityServiceDeps, 'users' | 'clock'>, cache: AuthCache, sessions: Sessions) {
  const { users, clock } = deps;
  const { mustGetUser } = sessions;

  return {
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
      if (changed && (patch.password !== undefined || (patch.role !== undefined && patch.role !== current.role))) await sessions.endSessions(id, null);
      return mustGetUser(id);
    },

    async deleteUser(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      if (!(await users.deleteUser(id))) throw new NotFound('User', id);
      cache.forgetUser(id);
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

    countUsers: () => users.countUsers(),
  };
}
