import { z } from 'zod';
import type { LtiRoster } from '../../services/lti/roster';
import type { LtiRegistration } from '../../services/lti/registration';
import type { ToolKeys } from '../../services/lti/tool-keys';
import { requireRole } from '../../domain/identity';
import type { JobQueue } from '../../jobs/queue';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

const AdministratorRole = z.enum(['admin', 'instructor', 'student']);
const PlatformBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  issuer: z.url().max(1000),
  clientId: z.string().trim().min(1).max(255),
  authorizationEndpoint: z.url().max(2000),
  tokenEndpoint: z.url().max(2000),
  jwksUrl: z.url().max(2000),
  deploymentIds: z.array(z.string().trim().min(1).max(255)).min(1).max(100),
  courseId: z.string().min(1).max(100).nullable().optional(),
  administratorRole: AdministratorRole.optional(),
});

/** Admin API for LTI: platforms, dynamic registration links, tool key rotation, roster syncs on demand. */
export function registerLtiAdminRoutes(app: HttpApp, deps: { registration: LtiRegistration; keys: ToolKeys; roster: Pick<LtiRoster, 'contextIdsWithRoster'>; queue: Pick<JobQueue, 'enqueue'> }) {
  app.post('/api/v1/lti/platforms', { schema: { tags: ['lti'], summary: 'Register an LTI 1.3 platform by hand (admin)', body: PlatformBody } }, async (req, reply) => {
    reply.status(201);
    return deps.registration.createPlatform(principalOf(req), req.body);
  });
  app.get('/api/v1/lti/platforms', { schema: { tags: ['lti'], summary: 'Registered LTI platforms (admin)' } }, async (req) => ({ items: await deps.registration.listPlatforms(principalOf(req)) }));
  app.get('/api/v1/lti/platforms/:id', { schema: { tags: ['lti'], summary: 'A platform with its LMS courses and their batches (admin)', params: IdParam } }, async (req) =>
    deps.registration.getPlatform(principalOf(req), req.params.id));
  app.patch(
    '/api/v1/lti/platforms/:id',
    { schema: { tags: ['lti'], summary: 'Change deployments, the course new batches take, or what an LMS Administrator becomes (admin)', params: IdParam, body: PlatformBody.pick({ name: true, deploymentIds: true, courseId: true, administratorRole: true }).partial() } },
    async (req) => deps.registration.updatePlatform(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/lti/platforms/:id', { schema: { tags: ['lti'], summary: 'Forget a platform; its launches stop working (admin)', params: IdParam } }, async (req, reply) => {
    await deps.registration.deletePlatform(principalOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.post(
    '/api/v1/lti/registration-links',
    { schema: { tags: ['lti'], summary: 'A one-use URL to paste into the LMS for LTI Dynamic Registration (admin)', body: z.strictObject({ name: z.string().trim().min(1).max(200), courseId: z.string().min(1).max(100).nullable().optional(), administratorRole: AdministratorRole.optional() }) } },
    async (req, reply) => {
      reply.status(201);
      return deps.registration.createRegistrationLink(principalOf(req), req.body);
    },
  );
  app.post('/api/v1/lti/keys/rotate', { schema: { tags: ['lti'], summary: 'Sign with a new key; the old one stays published for 7 days (admin)' } }, async (req, reply) => {
    requireRole(principalOf(req), 'admin');
    reply.status(201);
    return deps.keys.rotate();
  });
  app.post('/api/v1/lti/roster-syncs', { schema: { tags: ['lti'], summary: 'Read every LMS course roster now instead of at the next hourly sync (admin)' } }, async (req, reply) => {
    requireRole(principalOf(req), 'admin');
    const ids = await deps.roster.contextIdsWithRoster();
    // No dedupe: a sync already running may have read the roster before the change the admin is asking about.
    for (const contextId of ids) await deps.queue.enqueue('lti-sync-roster', { contextId });
    reply.status(202);
    return { scheduled: ids.length };
  });
}
