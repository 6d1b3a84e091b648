import { z } from 'zod';
import { USER_ROLES } from '../../domain/identity';
import type { IdentityService } from '../../services/identity';
import type { HttpApp } from '../app';
import { bearerFrom, principalOf } from '../auth';
import { forgetViewer, knownUserOfDevice, rememberDevice, rememberViewer } from '../viewer-cookie';
import { ExternalId, IdParam, PageQuery, Secret } from '../schemas';

const UserBody = z.strictObject({
  email: z.string().trim().pipe(z.email().max(320)),
  name: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES),
  password: Secret(8, 200).optional(),
  externalId: ExternalId,
});

export function registerIdentityRoutes(app: HttpApp, identity: IdentityService, opts: { secureCookies: boolean }) {
  app.post(
    '/api/v1/auth/login',
    { schema: { tags: ['auth'], summary: 'Sign in with email and password; returns a bearer token', security: [], body: z.strictObject({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) }) } },
    async (req, reply) => {
      const session = await identity.login(req.body.email, req.body.password, { ip: req.ip, knownUserId: knownUserOfDevice(req) });
      rememberViewer(reply, { userId: session.user.id, role: session.user.role }, opts.secureCookies);
      rememberDevice(reply, session.user.id, opts.secureCookies);
      return session;
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change your own password; every other session of yours ends',
        body: z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: Secret(8, 200) }),
      },
    },
    async (req) => identity.changeOwnPassword(principalOf(req), bearerFrom(req), req.body.currentPassword, req.body.newPassword),
  );

  app.post(
    '/api/v1/users/:id/sign-out-everywhere',
    { schema: { tags: ['users'], summary: 'End every session of the user (admin; a user may do it for themself, keeping the asking session)', params: IdParam } },
    async (req) => identity.signOutEverywhere(principalOf(req), req.params.id, bearerFrom(req)),
  );

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'], summary: 'Revoke the bearer token of this request' } }, async (req, reply) => {
    principalOf(req);
    const bearer = bearerFrom(req);
    if (bearer) await identity.logout(bearer);
    forgetViewer(reply, opts.secureCookies);
    return reply.status(204).send();
  });

  app.get('/api/v1/me', { schema: { tags: ['auth'], summary: 'The signed-in user' } }, async (req) => {
    const p = principalOf(req);
    if (p.kind === 'api-key') return { kind: 'api-key', role: p.role, apiKeyId: p.apiKeyId };
    return { kind: 'user', ...(await identity.getUser(p, p.userId)) };
  });

  app.post('/api/v1/users', { schema: { tags: ['users'], summary: 'Create a user (admin)', body: UserBody } }, async (req, reply) => {
    reply.status(201);
    return identity.createUser(principalOf(req), req.body);
  });

  app.get(
    '/api/v1/users',
    { schema: { tags: ['users'], summary: 'List users (admin); ?externalId= looks one up', querystring: PageQuery.extend({ role: z.enum(USER_ROLES).optional(), externalId: z.string().trim().min(1).max(200).optional() }) } },
    async (req) => {
      const p = principalOf(req);
      if (req.query.externalId) return { items: [await identity.getUserByExternalId(p, req.query.externalId)], nextCursor: null };
      return identity.listUsers(p, { role: req.query.role }, req.query);
    },
  );

  app.get('/api/v1/users/:id', { schema: { tags: ['users'], params: IdParam } }, async (req) => identity.getUser(principalOf(req), req.params.id));

  app.patch('/api/v1/users/:id', { schema: { tags: ['users'], params: IdParam, body: UserBody.partial() } }, async (req) =>
    identity.updateUser(principalOf(req), req.params.id, req.body),
  );

  app.delete('/api/v1/users/:id', { schema: { tags: ['users'], params: IdParam } }, async (req, reply) => {
    await identity.deleteUser(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  app.post(
    '/api/v1/users/:id/tokens',
    {
      schema: {
        tags: ['users'],
        summary: 'Mint a short-lived token so a browser acts as this user (admin / LMS API key)',
        params: IdParam,
        body: z.strictObject({ ttlSeconds: z.number().int().min(10).max(24 * 3600).optional() }).optional(),
      },
    },
    async (req, reply) => {
      reply.status(201);
      return identity.mintUserToken(principalOf(req), req.params.id, req.body?.ttlSeconds);
    },
  );

  app.post('/api/v1/api-keys', { schema: { tags: ['api-keys'], summary: 'Create an API key; the key is shown once', body: z.strictObject({ name: z.string().trim().min(1).max(200) }) } }, async (req, reply) => {
    reply.status(201);
    return identity.createApiKey(principalOf(req), req.body.name);
  });
  app.get('/api/v1/api-keys', { schema: { tags: ['api-keys'] } }, async (req) => ({ items: await identity.listApiKeys(principalOf(req)) }));
  app.delete('/api/v1/api-keys/:id', { schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: IdParam } }, async (req, reply) => {
    await identity.revokeApiKey(principalOf(req), req.params.id);
    return reply.status(204).send();
  });
}
