import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { IdentityRepository } from '../../adapters/db/identity-repository';
import type { UserRole } from '../../domain/identity';

export const USER_TOKEN_PREFIX = 'aula_t_';
export const API_KEY_PREFIX = 'aula_k_';

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
