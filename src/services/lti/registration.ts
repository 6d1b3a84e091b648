import type { Logger } from 'pino';
import { z } from 'zod';
import { type Clock, isoNow } from '../../adapters/clock';
import { newId, randomToken, sha256Hex } from '../../adapters/crypto';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LtiPlatformRecord, LtiRepository } from '../../adapters/db/lti-repository';
import type { PlatformHttp } from '../../adapters/lti/platform-http';
import { Conflict, NotFound, Unprocessable } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import { LTI } from '../../domain/lti/claims';
import { toolRegistrationRequest } from '../../domain/lti/messages';
import { LtiRefusal } from '../../domain/lti/refusal';
import type { AdministratorMapping } from '../../domain/lti/roles';
import { errorMessage } from '../../domain/error-text';

/** A platform as an admin registers it: the stored record without what Aula sets, course and role mapping optional. */
export type PlatformInput = Omit<LtiPlatformRecord, 'id' | 'createdAt' | 'courseId' | 'administratorRole'> & {
  courseId?: string | null | undefined;
  administratorRole?: AdministratorMapping | undefined;
};

const REGISTRATION_LINK_TTL_MS = 24 * 3600_000;

const OpenIdConfiguration = z.object({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  registration_endpoint: z.url(),
  'https://purl.imsglobal.org/spec/lti-platform-configuration': z.object({
    product_family_code: z.string().optional(),
    messages_supported: z.array(z.object({ type: z.string() })).optional(),
  }).optional(),
});
const RegistrationAnswer = z.object({
  client_id: z.string().min(1),
  [LTI.toolConfiguration]: z.object({ deployment_id: z.string().min(1).optional() }).optional(),
});

/** Platforms Aula trusts: added by hand or by LTI Dynamic Registration; their origins may frame Aula. */
export function createLtiRegistration(deps: {
  repo: LtiRepository;
  catalog: Pick<CatalogRepository, 'getCourse'>;
  http: Pick<PlatformHttp, 'getJson' | 'postJson'>;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  /** Called after the set of platforms changed, so the frame-ancestors list follows. */
  onChange(): Promise<void>;
}) {
  const { repo, clock } = deps;

  async function assertCourse(courseId: string | null | undefined) {
    if (courseId && !(await deps.catalog.getCourse(courseId))) throw new Unprocessable(`Course ${courseId} does not exist`);
  }

  async function insert(input: PlatformInput): Promise<LtiPlatformRecord> {
    await assertCourse(input.courseId);
    if ((await repo.platformsOfIssuer(input.issuer)).some((p) => p.clientId === input.clientId)) {
      throw new Conflict(`A platform with issuer ${input.issuer} and client id ${input.clientId} is already registered`);
    }
    const platform: LtiPlatformRecord = {
      id: newId(), name: input.name, issuer: input.issuer, clientId: input.clientId, authorizationEndpoint: input.authorizationEndpoint, tokenEndpoint: input.tokenEndpoint,
      jwksUrl: input.jwksUrl, deploymentIds: [...new Set(input.deploymentIds)], courseId: input.courseId ?? null, administratorRole: input.administratorRole ?? 'instructor', createdAt: isoNow(clock),
    };
    await repo.insertPlatform(platform);
    await deps.onChange();
    deps.logger.info({ platformId: platform.id, issuer: platform.issuer }, 'lti platform registered');
    return platform;
  }

  return {
    async createPlatform(actor: Principal, input: PlatformInput) {
      requireRole(actor, 'admin');
      return insert(input);
    },
    async updatePlatform(actor: Principal, id: string, patch: { name?: string | undefined; deploymentIds?: string[] | undefined; courseId?: string | null | undefined; administratorRole?: AdministratorMapping | undefined }) {
      requireRole(actor, 'admin');
      if (!(await repo.getPlatform(id))) throw new NotFound('LTI platform', id);
      await assertCourse(patch.courseId);
      await repo.updatePlatform(id, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.deploymentIds !== undefined && { deploymentIds: [...new Set(patch.deploymentIds)] }),
        ...(patch.courseId !== undefined && { courseId: patch.courseId }),
        ...(patch.administratorRole !== undefined && { administratorRole: patch.administratorRole }),
        now: isoNow(clock),
      });
      return (await repo.getPlatform(id))!;
    },
    async listPlatforms(actor: Principal) {
      requireRole(actor, 'admin');
      return repo.listPlatforms();
    },
    async getPlatform(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      const p = await repo.getPlatform(id);
      if (!p) throw new NotFound('LTI platform', id);
      return { ...p, contexts: (await repo.listContexts(id)).map((c) => ({ contextId: c.context_id, title: c.title, batchId: c.batch_id, lastSyncedAt: c.last_synced_at })) };
    },
    async deletePlatform(actor: Principal, id: string) {
      requireRole(actor, 'admin');
      if (!(await repo.deletePlatform(id))) throw new NotFound('LTI platform', id);
      await deps.onChange();
    },

    /** A one-day, one-use URL an admin pastes into the LMS's "register a tool" form. */
    async createRegistrationLink(actor: Principal, input: { name: string; courseId?: string | null | undefined; administratorRole?: AdministratorMapping | undefined }) {
      requireRole(actor, 'admin');
      await assertCourse(input.courseId);
      const token = randomToken();
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + REGISTRATION_LINK_TTL_MS).toISOString();
      await repo.insertRegistrationLink({ id: newId(), tokenHash: sha256Hex(token), name: input.name, courseId: input.courseId ?? null, administratorRole: input.administratorRole ?? 'instructor', now: now.toISOString(), expiresAt });
      return { url: `${deps.publicUrl}/lti/register?link=${token}`, expiresAt };
    },

    /** LTI Dynamic Registration: read the platform's configuration, post Aula's, store the answer. */
    async registerDynamically(input: { linkToken: string; openidConfigurationUrl: string; registrationToken: string | null }): Promise<LtiPlatformRecord> {
      const link = await repo.getRegistrationLinkByHash(sha256Hex(input.linkToken));
      if (!link || link.used_at || link.expires_at <= isoNow(clock)) throw new LtiRefusal('lti_registration_failed', 'This registration link is unknown, used or expired; ask an Aula admin for a new one');
      let config: z.infer<typeof OpenIdConfiguration>;
      try {
        config = OpenIdConfiguration.parse(await deps.http.getJson(input.openidConfigurationUrl));
      } catch (err) {
        throw new LtiRefusal('lti_registration_failed', `Could not read the platform's configuration at ${input.openidConfigurationUrl}: ${errorMessage(err)}`);
      }
      // The configuration must come from the issuer it names, or any site could register as any LMS.
      if (new URL(input.openidConfigurationUrl).origin !== new URL(config.issuer).origin) {
        throw new LtiRefusal('lti_registration_failed', `The configuration at ${input.openidConfigurationUrl} names issuer ${config.issuer} on another site`);
      }
      const messages = (config['https://purl.imsglobal.org/spec/lti-platform-configuration']?.messages_supported ?? []).map((m) => m.type);
      let answer: z.infer<typeof RegistrationAnswer>;
      try {
        const body = toolRegistrationRequest(deps.publicUrl, 'Aula', messages);
        answer = RegistrationAnswer.parse(await deps.http.postJson(config.registration_endpoint, body, {
          'content-type': 'application/json',
          ...(input.registrationToken && { authorization: `Bearer ${input.registrationToken}` }),
        }));
      } catch (err) {
        throw new LtiRefusal('lti_registration_failed', `The platform refused Aula's registration: ${errorMessage(err)}`);
      }
      if (!(await repo.markRegistrationLinkUsed(link.id, isoNow(clock)))) throw new LtiRefusal('lti_registration_failed', 'This registration link was used meanwhile');
      const deploymentId = answer[LTI.toolConfiguration]?.deployment_id;
      return insert({
        name: link.name, issuer: config.issuer, clientId: answer.client_id, authorizationEndpoint: config.authorization_endpoint, tokenEndpoint: config.token_endpoint,
        jwksUrl: config.jwks_uri, deploymentIds: deploymentId ? [deploymentId] : [], courseId: link.course_id, administratorRole: link.administrator_role,
      });
    },

    /** Origins of every registered platform: the LMS pages that may frame Aula. */
    async frameOrigins(): Promise<string[]> {
      const origins = new Set<string>();
      for (const p of await repo.listPlatforms()) for (const u of [p.issuer, p.authorizationEndpoint]) origins.add(new URL(u).origin);
      return [...origins];
    },
  };
}

export type LtiRegistration = ReturnType<typeof createLtiRegistration>;
