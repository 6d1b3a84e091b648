import { type Clock, isoNow } from '../../adapters/clock';
import { newId, sha256Hex } from '../../adapters/crypto';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { IdentityRepository } from '../../adapters/db/identity-repository';
import type { LtiPlatformRecord, LtiRepository } from '../../adapters/db/lti-repository';
import { LtiRefusal } from '../../domain/lti/refusal';
import { type AulaRoleDecision, higherRole } from '../../domain/lti/roles';

export interface LtiPerson {
  subject: string;
  name: string | null;
  email: string | null;
}

/** LTI people and contexts become Aula users and batches: shared by launches and roster syncs. */
export function createLtiProvisioning(deps: {
  repo: LtiRepository;
  users: Pick<IdentityRepository, 'insertUser' | 'updateUser' | 'getUser' | 'getForLogin'>;
  catalog: Pick<CatalogRepository, 'insertBatch' | 'getBatch' | 'updateBatch' | 'insertCourse' | 'addMember'>;
  clock: Clock;
}) {
  const { repo, clock } = deps;

  /** The Aula user of an LTI subject: the linked one, else one with the same email, else a new account (no password). */
  async function ensureUser(platform: LtiPlatformRecord, person: LtiPerson, decision: AulaRoleDecision): Promise<string> {
    const now = isoNow(clock);
    let userId = await repo.userIdOfSubject(platform.id, person.subject);
    if (!userId && person.email) {
      const existing = await deps.users.getForLogin(person.email);
      if (existing) {
        // An LMS must not gain an Aula admin account by claiming its email.
        if (existing.role === 'admin' && decision.userRole !== 'admin') {
          throw new LtiRefusal('lti_account_conflict', `${person.email} is an Aula admin account; it cannot be signed in from this platform as ${decision.userRole}`);
        }
        userId = existing.id;
        await repo.linkUser(platform.id, person.subject, userId);
      }
    }
    if (!userId) {
      userId = newId();
      const email = person.email && !(await deps.users.getForLogin(person.email)) ? person.email : `${sha256Hex(`${platform.id}:${person.subject}`).slice(0, 24)}@lti.invalid`;
      await deps.users.insertUser({ id: userId, email, name: person.name ?? `LTI user ${person.subject.slice(0, 40)}`, role: decision.userRole, passwordHash: null, externalId: null, now });
      await repo.linkUser(platform.id, person.subject, userId);
      return userId;
    }
    const user = await deps.users.getUser(userId);
    if (user) {
      const role = higherRole(user.role, decision.userRole);
      if (role !== user.role || (person.name && person.name !== user.name)) await deps.users.updateUser(userId, { role, ...(person.name && { name: person.name }), now });
    }
    return userId;
  }

  /** The batch of an LMS course (context): created on first sight, taking the platform's course or a new one. */
  async function ensureContext(platform: LtiPlatformRecord, context: { id: string; title: string | null }, membershipsUrl: string | null, courseHint: string | null) {
    const title = context.title ?? `LMS course ${context.id}`;
    const existing = await repo.getContext(platform.id, context.id);
    if (existing) {
      if (existing.title !== title || (membershipsUrl && membershipsUrl !== existing.memberships_url)) {
        await repo.updateContext(existing.id, { title, membershipsUrl: membershipsUrl ?? existing.memberships_url });
      }
      return { id: existing.id, batchId: existing.batch_id, created: false, lastSyncedAt: existing.last_synced_at };
    }
    const now = isoNow(clock);
    let courseId = courseHint ?? platform.courseId;
    if (!courseId) {
      courseId = newId();
      await deps.catalog.insertCourse({ id: courseId, title, description: `Created for ${platform.name}`, externalId: null, now });
    }
    const batchId = newId();
    await deps.catalog.insertBatch({ id: batchId, name: title, externalId: null, courseIds: [courseId], now });
    const id = newId();
    await repo.insertContext({ id, platformId: platform.id, contextId: context.id, batchId, title, membershipsUrl, now });
    // Two first launches at once: the unique (platform, context) keeps one; the loser's batch is left unused.
    const row = await repo.getContext(platform.id, context.id);
    return { id: row!.id, batchId: row!.batch_id, created: row!.id === id, lastSyncedAt: row!.last_synced_at };
  }

  /** A lesson placed in an LMS course makes its Aula course part of the course's batch. */
  async function ensureBatchTakesCourse(batchId: string, courseId: string) {
    const batch = await deps.catalog.getBatch(batchId);
    if (batch && !batch.courseIds.includes(courseId)) await deps.catalog.updateBatch(batchId, { courseIds: [...batch.courseIds, courseId], now: isoNow(clock) });
  }

  async function tie(batchId: string, userId: string, decision: AulaRoleDecision) {
    if (decision.batchTie) await deps.catalog.addMember(decision.batchTie === 'instructor' ? 'batch_instructors' : 'enrollments', batchId, userId, isoNow(clock));
  }

  return { ensureUser, ensureContext, ensureBatchTakesCourse, tie };
}

export type LtiProvisioning = ReturnType<typeof createLtiProvisioning>;
