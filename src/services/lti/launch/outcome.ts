import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import { newId } from '../../../adapters/crypto';
import type { CatalogRepository } from '../../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { LtiPlatformRecord, LtiRepository } from '../../../adapters/db/lti-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { LtiLaunch } from '../../../domain/lti/claims';
import { LtiRefusal } from '../../../domain/lti/refusal';
import { type AulaRoleDecision, decideAulaRole } from '../../../domain/lti/roles';
import type { JobQueue } from '../../../jobs/queue';
import type { LtiProvisioning } from '../provisioning';

/** A launch reads the roster again only when the last read is older than this; the hourly sync does the rest. */
const ROSTER_FRESH_MS = 10 * 60_000;

/** What a verified launch leads to, kept with its login state until the browser that started it claims it. */
export type LaunchOutcome =
  | { kind: 'resource'; userId: string; redirectTo: string }
  | { kind: 'deep-link'; userId: string; platformId: string; deploymentId: string; returnUrl: string; data: string | null; batchId: string | null; redirectTo: string };

export interface LaunchOutcomeDeps {
  repo: Pick<LtiRepository, 'getResourceLink' | 'insertResourceLink' | 'updateResourceLink' | 'ensureScore'>;
  provisioning: LtiProvisioning;
  catalog: Pick<CatalogRepository, 'getLesson'>;
  recordings: Pick<RecordingRepository, 'getForAccess'>;
  liveClasses: Pick<LiveClassRepository, 'list'>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
}

/** A verified launch provisions its user, batch and resource link, and says where the browser lands. */
export function createLaunchOutcomes(deps: LaunchOutcomeDeps) {
  const { repo, clock } = deps;

  /** Where the launch lands: instructors on the batch's console, learners on the lesson (or its running class). */
  async function landing(batchId: string | null, lessonId: string | null, recordingId: string | null, isStaff: boolean) {
    if (isStaff) return batchId ? `/console?batch=${encodeURIComponent(batchId)}` : '/console';
    if (recordingId && lessonId) return `/lessons/${encodeURIComponent(lessonId)}?recording=${encodeURIComponent(recordingId)}`;
    if (lessonId && batchId) {
      const live = await deps.liveClasses.list({ batchIds: [batchId], lessonId, status: 'live' }, { limit: 1 });
      if (live.items[0]) return `/live/${encodeURIComponent(live.items[0].id)}`;
      return `/lessons/${encodeURIComponent(lessonId)}`;
    }
    return '/';
  }

  /** The lesson (and maybe recording) a resource link points at: custom parameters first, then what was stored. */
  async function targetOf(custom: Record<string, string>, storedLessonId: string | null) {
    const recordingId = custom.aula_recording_id ?? null;
    if (recordingId) {
      const rec = await deps.recordings.getForAccess(recordingId);
      if (rec?.lessonId) return { lessonId: rec.lessonId, recordingId };
    }
    const lessonId = custom.aula_lesson_id ?? storedLessonId;
    if (lessonId && (await deps.catalog.getLesson(lessonId))) return { lessonId, recordingId: null };
    return { lessonId: null, recordingId: null };
  }

  /** The launch's course context as an Aula batch the user belongs to; its roster is read again when stale. */
  async function joinContext(platform: LtiPlatformRecord, launch: Pick<LtiLaunch, 'membershipsUrl'>, context: NonNullable<LtiLaunch['context']>, userId: string, lessonId: string | null, decision: AulaRoleDecision) {
    const lesson = lessonId ? await deps.catalog.getLesson(lessonId) : null;
    const ctx = await deps.provisioning.ensureContext(platform, context, launch.membershipsUrl, lesson?.courseId ?? null);
    if (lesson) await deps.provisioning.ensureBatchTakesCourse(ctx.batchId, lesson.courseId);
    await deps.provisioning.tie(ctx.batchId, userId, decision);
    const rosterStale = !ctx.lastSyncedAt || clock.now().getTime() - Date.parse(ctx.lastSyncedAt) > ROSTER_FRESH_MS;
    if (launch.membershipsUrl && rosterStale) {
      await deps.queue.enqueue('lti-sync-roster', { contextId: ctx.id }, { dedupeKey: `lti-sync-roster:${ctx.id}` })
        .catch((err: unknown) => deps.logger.error({ err, contextId: ctx.id }, 'could not schedule a roster sync'));
    }
    return { batchId: ctx.batchId, contextRowId: ctx.id };
  }

  /** The resource link as Aula keeps it (its lesson and line item), and the learner's score row when grades go back. */
  async function recordResourceLink(contextRowId: string, launch: Extract<LtiLaunch, { kind: 'resource' }>, userId: string, lessonId: string | null, gradedAsStudent: boolean): Promise<string | null> {
    const now = isoNow(clock);
    const link = await repo.getResourceLink(contextRowId, launch.resourceLink.id);
    if (!link) await repo.insertResourceLink({ id: newId(), contextRowId, linkId: launch.resourceLink.id, lessonId, lineItemUrl: launch.lineItemUrl, now });
    else {
      lessonId ??= link.lesson_id;
      if (link.lesson_id !== lessonId || link.line_item_url !== launch.lineItemUrl) await repo.updateResourceLink(link.id, { lessonId, lineItemUrl: launch.lineItemUrl, now });
    }
    const row = await repo.getResourceLink(contextRowId, launch.resourceLink.id);
    if (row && launch.lineItemUrl && gradedAsStudent) await repo.ensureScore({ id: newId(), resourceLinkRowId: row.id, userId, subject: launch.subject, now });
    return lessonId;
  }

  return async function outcomeOf(platform: LtiPlatformRecord, launch: LtiLaunch): Promise<LaunchOutcome> {
    const decision = decideAulaRole(launch.roles, platform.administratorRole);
    if (!decision) throw new LtiRefusal('lti_missing_claim', 'The launch carries no role Aula knows (Instructor, TeachingAssistant, Learner or Administrator)');
    const userId = await deps.provisioning.ensureUser(platform, { subject: launch.subject, name: launch.name, email: launch.email }, decision);
    const isStaff = decision.userRole !== 'student';
    const target = launch.kind === 'resource' ? await targetOf(launch.custom, null) : { lessonId: null, recordingId: null };
    const joined = launch.context ? await joinContext(platform, launch, launch.context, userId, target.lessonId, decision) : null;
    const batchId = joined?.batchId ?? null;
    if (launch.kind === 'deep-link') {
      if (!isStaff) throw new LtiRefusal('lti_unsupported_message', 'Only instructors can place Aula content in the course');
      return { kind: 'deep-link', userId, platformId: platform.id, deploymentId: launch.deploymentId, returnUrl: launch.deepLink.returnUrl, data: launch.deepLink.data, batchId, redirectTo: '' };
    }
    const lessonId = joined ? await recordResourceLink(joined.contextRowId, launch, userId, target.lessonId, decision.batchTie === 'student') : target.lessonId;
    return { kind: 'resource', userId, redirectTo: await landing(batchId, lessonId, target.recordingId, isStaff) };
  };
}
