import type { Logger } from 'pino';
import { z } from 'zod';
import { type Clock, isoNow } from '../../adapters/clock';
import type { LtiRepository } from '../../adapters/db/lti-repository';
import type { PlatformHttp } from '../../adapters/lti/platform-http';
import { PlatformHttpError } from '../../domain/lti/platform-http-error';
import { LTI_SCOPES } from '../../domain/lti/claims';
import { decideAulaRole, mapLtiRoles } from '../../domain/lti/roles';
import type { AccessTokens } from './access-tokens';
import type { LtiProvisioning } from './provisioning';

const NRPS_ACCEPT = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
/** A roster larger than this many pages is cut off rather than followed forever. */
const MAX_PAGES = 1000;

const Member = z.object({
  user_id: z.string().min(1).max(255),
  status: z.string().optional(),
  name: z.string().max(500).optional(),
  email: z.string().max(320).optional(),
  roles: z.array(z.string()).default([]),
});
const Container = z.object({ members: z.array(z.unknown()).default([]) });

export interface RosterSyncResult {
  members: number;
  added: number;
  removed: number;
  pages: number;
}

/**
 * Names and Role Provisioning Services: the context's memberships, page by page, become the batch's students and
 * instructors. Only members who came from this platform are removed; people added in Aula by hand stay.
 */
export function createLtiRoster(deps: {
  repo: LtiRepository;
  http: Pick<PlatformHttp, 'getPage'>;
  tokens: AccessTokens;
  provisioning: LtiProvisioning;
  clock: Clock;
  logger: Logger;
}) {
  const { repo } = deps;
  return {
    /** Null when the context is gone or has no roster service. */
    async syncContext(contextRowId: string): Promise<RosterSyncResult | null> {
      const context = await repo.getContextById(contextRowId);
      if (!context?.memberships_url) return null;
      const platform = await repo.getPlatform(context.platform_id);
      if (!platform) return null;
      let token = await deps.tokens.tokenFor(platform, [LTI_SCOPES.nrps]);
      const students = new Set<string>();
      const instructors = new Set<string>();
      let url: string | null = context.memberships_url;
      let pages = 0;
      let members = 0;
      while (url && pages < MAX_PAGES) {
        let page: Awaited<ReturnType<PlatformHttp['getPage']>>;
        try {
          page = await deps.http.getPage(url, token, NRPS_ACCEPT);
        } catch (err) {
          // A token the platform revoked early: one fresh token, then give up to the job's retry.
          if (err instanceof PlatformHttpError && err.status === 401 && pages === 0) {
            deps.tokens.forget(platform.id);
            token = await deps.tokens.tokenFor(platform, [LTI_SCOPES.nrps]);
            page = await deps.http.getPage(url, token, NRPS_ACCEPT);
          } else throw err;
        }
        pages++;
        for (const raw of Container.parse(page.body).members) {
          const parsed = Member.safeParse(raw);
          if (!parsed.success) continue;
          const m = parsed.data;
          if (m.status && m.status !== 'Active') continue;
          const decision = decideAulaRole(mapLtiRoles(m.roles), platform.administratorRole);
          if (!decision?.batchTie) continue;
          members++;
          const email = m.email && z.email().safeParse(m.email).success ? m.email.toLowerCase() : null;
          const userId = await deps.provisioning.ensureUser(platform, { subject: m.user_id, name: m.name?.trim() || null, email }, decision).catch((err: unknown) => {
            deps.logger.warn({ err, contextId: context.id, subject: m.user_id }, 'roster member skipped');
            return null;
          });
          if (userId) (decision.batchTie === 'instructor' ? instructors : students).add(userId);
        }
        url = page.next;
      }
      const now = isoNow(deps.clock);
      let added = 0;
      let removed = 0;
      for (const [table, wanted] of [['enrollments', students], ['batch_instructors', instructors]] as const) {
        const current = await repo.platformMembersOfBatch(table, context.batch_id, platform.id);
        const toRemove = [...current].filter((u) => !wanted.has(u));
        const toAdd = [...wanted].filter((u) => !current.has(u));
        await repo.removeMembers(table, context.batch_id, toRemove);
        await repo.addMembers(table, context.batch_id, toAdd, now);
        added += toAdd.length;
        removed += toRemove.length;
      }
      await repo.markContextSynced(context.id, now);
      deps.logger.info({ contextId: context.id, batchId: context.batch_id, members, added, removed, pages }, 'lti roster synced');
      return { members, added, removed, pages };
    },

    contextIdsWithRoster: () => repo.contextIdsWithRoster(),
  };
}

export type LtiRoster = ReturnType<typeof createLtiRoster>;
