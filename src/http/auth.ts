import type { FastifyRequest } from 'fastify';
import { Unauthenticated } from '../domain/errors';
import type { Principal } from '../domain/identity';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook when the request carries valid credentials. */
    principal: Principal | null;
    authError: Error | null;
  }
}

export function bearerFrom(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/** The caller, or a 401 explaining why the credentials were not accepted. */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal) return req.principal;
  throw req.authError ?? new Unauthenticated('Sign in or send an API key: Authorization: Bearer <token>');
}
