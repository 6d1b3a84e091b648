import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import { newId, randomToken, safeEqual, sha256Hex } from '../../adapters/crypto';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { LtiPlatformRecord, LtiRepository } from '../../adapters/db/lti-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import type { Principal } from '../../domain/identity';
import { checkLaunchClaims, type LtiLaunch } from '../../domain/lti/claims';
import { LtiRefusal } from '../../domain/lti/refusal';
import { decideAulaRole } from '../../domain/lti/roles';
import type { JobQueue } from '../../jobs/queue';
import type { IdentityService } from '../identity';
import type { PlatformKeys } from './platform-keys';
import type { LtiProvisioning } from './provisioning';

/** A launch reads the roster again only when the last read is older than this; the hourly sync does the rest. */
const ROSTER_FRESH_MS = 10 * 60_000;
/** A login must come back within this time; also how long its nonce is remembered after use. */
const LOGIN_TTL_MS = 10 * 60_000;
/** Aula itself, minting the session token of a verified launch. */
const SYSTEM: Principal = { kind: 'api-key', apiKeyId: null, role: 'admin' };

export interface LoginInitiation {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  lti_message_hint?: string | undefined;
  client_id?: string | undefined;
  lti_deployment_id?: string | undefined;
}

/** What a verified launch leads to, kept with its login state until the browser that started it claims it. */
export type LaunchOutcome =
  | { kind: 'resource'; userId: string; redirectTo: string }
  | { kind: 'deep-link'; userId: string; platformId: string; deploymentId: string; returnUrl: string; data: string | null; batchId: string | null; redirectTo: string };

/**
 * OIDC login initiation → authentication request → id_token verification → the Aula session. State and nonce are
 * stored server-side; the browser keeps a binding secret (in its own storage, no cookie) that it must show to turn
 * the verified launch into a session, so a launch cannot be completed in another browser.
 */
export function createLtiLaunch(deps: {
  repo: LtiRepository;
  keys: PlatformKeys;
  provisioning: LtiProvisioning;
  catalog: Pick<CatalogRepository, 'getLesson'>;
  recordings: Pick<RecordingRepository, 'getForAccess'>;
  liveClasses: Pick<LiveClassRepository, 'list'>;
  identity: Pick<IdentityService, 'mintUserToken'>;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
}) {
  const { repo, clock } = deps;

  async function platformFor(issuer: string, clientId: string | undefined): Promise<LtiPlatformRecord> {
    const candidates = (await repo.platformsOfIssuer(issuer)).filter((p) => !clientId || p.clientId === clientId);
    if (candidates.length === 0) throw new LtiRefusal('lti_unknown_platform', `No platform with issuer ${issuer}${clientId ? ` and client id ${clientId}` : ''} is registered in Aula`);
    if (candidates.length > 1) throw new LtiRefusal('lti_unknown_platform', `Several registrations share issuer ${issuer}; the platform must send client_id`);
    return candidates[0]!;
  }

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

  async function process(platform: LtiPlatformRecord, launch: LtiLaunch): Promise<LaunchOutcome> {
    const decision = decideAulaRole(launch.roles, platform.administratorRole);
    if (!decision) throw new LtiRefusal('lti_missing_claim', 'The launch carries no role Aula knows (Instructor, TeachingAssistant, Learner or Administrator)');
    const userId = await deps.provisioning.ensureUser(platform, { subject: launch.subject, name: launch.name, email: launch.email }, decision);
    const isStaff = decision.userRole !== 'student';
    const target = launch.kind === 'resource' ? await targetOf(launch.custom, null) : { lessonId: null, recordingId: null };
    let batchId: string | null = null;
    let contextRowId: string | null = null;
    if (launch.context) {
      const lesson = target.lessonId ? await deps.catalog.getLesson(target.lessonId) : null;
      const ctx = await deps.provisioning.ensureContext(platform, launch.context, launch.membershipsUrl, lesson?.courseId ?? null);
      batchId = ctx.batchId;
      contextRowId = ctx.id;
      if (lesson) await deps.provisioning.ensureBatchTakesCourse(batchId, lesson.courseId);
      await deps.provisioning.tie(batchId, userId, decision);
      const rosterStale = !ctx.lastSyncedAt || clock.now().getTime() - Date.parse(ctx.lastSyncedAt) > ROSTER_FRESH_MS;
      if (launch.membershipsUrl && rosterStale) {
        await deps.queue.enqueue('lti-sync-roster', { contextId: ctx.id }, { dedupeKey: `lti-sync-roster:${ctx.id}` })
          .catch((err: unknown) => deps.logger.error({ err, contextId: ctx.id }, 'could not schedule a roster sync'));
      }
    }
    if (launch.kind === 'deep-link') {
      if (!isStaff) throw new LtiRefusal('lti_unsupported_message', 'Only instructors can place Aula content in the course');
      return { kind: 'deep-link', userId, platformId: platform.id, deploymentId: launch.deploymentId, returnUrl: launch.deepLink.returnUrl, data: launch.deepLink.data, batchId, redirectTo: '' };
    }
    let lessonId = target.lessonId;
    if (contextRowId) {
      const now = isoNow(clock);
      const link = await repo.getResourceLink(contextRowId, launch.resourceLink.id);
      if (!link) await repo.insertResourceLink({ id: newId(), contextRowId, linkId: launch.resourceLink.id, lessonId, lineItemUrl: launch.lineItemUrl, now });
      else {
        lessonId ??= link.lesson_id;
        if (link.lesson_id !== lessonId || link.line_item_url !== launch.lineItemUrl) await repo.updateResourceLink(link.id, { lessonId, lineItemUrl: launch.lineItemUrl, now });
      }
      const row = await repo.getResourceLink(contextRowId, launch.resourceLink.id);
      if (row && launch.lineItemUrl && decision.batchTie === 'student') await repo.ensureScore({ id: newId(), resourceLinkRowId: row.id, userId, subject: launch.subject, now });
    }
    return { kind: 'resource', userId, redirectTo: await landing(batchId, lessonId, target.recordingId, isStaff) };
  }

  return {
    /** Step 1: the platform's login initiation becomes an authentication request, bound to this browser. */
    async initiateLogin(params: LoginInitiation) {
      const platform = await platformFor(params.iss, params.client_id);
      if (params.lti_deployment_id && !platform.deploymentIds.includes(params.lti_deployment_id)) {
        throw new LtiRefusal('lti_unknown_deployment', `Deployment ${params.lti_deployment_id} is not registered for this platform`);
      }
      if (new URL(params.target_link_uri).origin !== new URL(deps.publicUrl).origin) {
        throw new LtiRefusal('lti_bad_request', `target_link_uri ${params.target_link_uri} is not an Aula address (${deps.publicUrl})`);
      }
      const state = randomToken();
      const nonce = randomToken();
      const binding = randomToken();
      const now = clock.now();
      await repo.insertLoginState({ state, platformId: platform.id, nonce, bindingHash: sha256Hex(binding), now: now.toISOString(), expiresAt: new Date(now.getTime() + LOGIN_TTL_MS).toISOString() });
      const auth = new URL(platform.authorizationEndpoint);
      const query: Record<string, string> = {
        scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: platform.clientId,
        redirect_uri: `${deps.publicUrl}/lti/launch`, login_hint: params.login_hint, state, nonce,
        ...(params.lti_message_hint !== undefined && { lti_message_hint: params.lti_message_hint }),
      };
      for (const [k, v] of Object.entries(query)) auth.searchParams.set(k, v);
      return { authorizationUrl: auth.toString(), state, binding };
    },

    /** Step 2: the platform's form post. Verifies everything, provisions, and parks the outcome with the state. */
    async verifyLaunch(input: { idToken: string; state: string }): Promise<{ state: string; kind: LaunchOutcome['kind'] }> {
      const login = await repo.getLoginState(input.state);
      if (!login || login.expires_at <= isoNow(clock)) throw new LtiRefusal('lti_state_mismatch', 'This launch does not match a login started in this browser (unknown or expired state); launch again from the course');
      const platform = await repo.getPlatform(login.platform_id);
      if (!platform) throw new LtiRefusal('lti_unknown_platform', 'The platform of this login is no longer registered');
      const payload = await deps.keys.verify(platform.jwksUrl, input.idToken);
      const launch = checkLaunchClaims(payload, { issuer: platform.issuer, clientId: platform.clientId, deploymentIds: platform.deploymentIds, nonce: login.nonce, nowSeconds: Math.floor(clock.now().getTime() / 1000) });
      if (!(await repo.useNonce(platform.id, launch.nonce, new Date(clock.now().getTime() + LOGIN_TTL_MS).toISOString())) || login.verified_at) {
        throw new LtiRefusal('lti_nonce_replayed', 'This id_token was already used; launch again from the course');
      }
      const outcome = await process(platform, launch);
      if (outcome.kind === 'deep-link') outcome.redirectTo = `/lti/deep-link/${encodeURIComponent(input.state)}`;
      if (!(await repo.markLoginVerified(input.state, JSON.stringify(outcome), isoNow(clock)))) throw new LtiRefusal('lti_nonce_replayed', 'This login was already used');
      deps.logger.info({ platformId: platform.id, userId: outcome.userId, kind: outcome.kind }, 'lti launch verified');
      return { state: input.state, kind: outcome.kind };
    },

    /** Step 3: the browser that started the login shows its binding secret and receives its Aula session. */
    async claimSession(input: { state: string; binding: string }) {
      const login = await repo.getLoginState(input.state);
      if (!login || !login.verified_at || !login.outcome || login.expires_at <= isoNow(clock) || !safeEqual(sha256Hex(input.binding), login.binding_hash)) {
        throw new LtiRefusal('lti_state_mismatch', 'This launch was not started in this browser; launch again from the course');
      }
      if (!(await repo.markSessionIssued(input.state, isoNow(clock)))) throw new LtiRefusal('lti_nonce_replayed', 'This launch already opened a session');
      const outcome = JSON.parse(login.outcome) as LaunchOutcome;
      const { token, expiresAt } = await deps.identity.mintUserToken(SYSTEM, outcome.userId);
      return { token, expiresAt, userId: outcome.userId, redirectTo: outcome.redirectTo };
    },

    /** The deep-linking request parked with a verified login, for its own user only. */
    async deepLinkRequest(state: string, viewer: Principal) {
      const login = await repo.getLoginState(state);
      const outcome = login?.outcome ? (JSON.parse(login.outcome) as LaunchOutcome) : null;
      if (!login || !outcome || outcome.kind !== 'deep-link' || !login.session_issued_at || viewer.kind !== 'user' || viewer.userId !== outcome.userId) return null;
      return outcome;
    },

    prune: () => repo.pruneLoginRecords(isoNow(clock)),
  };
}

export type LtiLaunchService = ReturnType<typeof createLtiLaunch>;
