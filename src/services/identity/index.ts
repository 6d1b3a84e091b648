import { createApiKeys } from './api-keys';
import { createAuthCache } from './auth-cache';
import { createAuthentication } from './authentication';
import { createSessions } from './sessions';
import { createSignIn } from './sign-in';
import type { IdentityServiceDeps } from './types';
import { createUserAccounts } from './users';

export type { IdentityServiceDeps, NewUser, SignInContext } from './types';

/** Who is asking: bearer tokens and API keys, signing in and out, and the user accounts themselves. */
export function createIdentityService(deps: IdentityServiceDeps) {
  const cache = createAuthCache(deps.clock);
  const sessions = createSessions(deps, cache);
  return {
    ...createAuthentication(deps, cache),
    ...createSignIn(deps, cache, sessions),
    ...createUserAccounts(deps, cache, sessions),
    ...createApiKeys(deps, cache),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
