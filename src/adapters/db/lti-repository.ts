import type { AdministratorMapping } from '../../domain/lti/roles';
import type { Db } from './database';
import type { LtiPlatformsTable } from './schema';

export interface LtiPlatformRecord {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUrl: string;
  deploymentIds: string[];
  courseId: string | null;
  administratorRole: AdministratorMapping;
  createdAt: string;
}

function toPlatform(r: LtiPlatformsTable): LtiPlatformRecord {
  return {
    id: r.id, name: r.name, issuer: r.issuer, clientId: r.client_id, authorizationEndpoint: r.authorization_endpoint, tokenEndpoint: r.token_endpoint,
    jwksUrl: r.jwks_url, deploymentIds: JSON.parse(r.deployment_ids) as string[], courseId: r.course_id, administratorRole: r.administrator_role, createdAt: r.created_at,
  };
}

/** What a score job needs: the line item, the platform to authenticate to, and whose watch time counts. */
export interface ScoreTarget {
  scoreId: string;
  subject: string;
  userId: string;
  postedPercent: number | null;
  postedTimestamp: string | null;
  lineItemUrl: string;
  lessonId: string;
  batchId: string;
  platform: LtiPlatformRecord;
}

export function createLtiRepository(db: Db) {
  const chunk = <T>(items: T[], size = 500): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

  return {
    // ---- platforms
    async insertPlatform(p: LtiPlatformRecord) {
      await db.insertInto('lti_platforms').values({
        id: p.id, name: p.name, issuer: p.issuer, client_id: p.clientId, authorization_endpoint: p.authorizationEndpoint, token_endpoint: p.tokenEndpoint,
        jwks_url: p.jwksUrl, deployment_ids: JSON.stringify(p.deploymentIds), course_id: p.courseId, administrator_role: p.administratorRole, created_at: p.createdAt, updated_at: p.createdAt,
      }).execute();
    },
    async updatePlatform(id: string, patch: { name?: string; deploymentIds?: string[]; courseId?: string | null; administratorRole?: AdministratorMapping; now: string }) {
      await db.updateTable('lti_platforms').set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.deploymentIds !== undefined && { deployment_ids: JSON.stringify(patch.deploymentIds) }),
        ...(patch.courseId !== undefined && { course_id: patch.courseId }),
        ...(patch.administratorRole !== undefined && { administrator_role: patch.administratorRole }),
        updated_at: patch.now,
      }).where('id', '=', id).execute();
    },
    async getPlatform(id: string) {
      const r = await db.selectFrom('lti_platforms').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toPlatform(r) : null;
    },
    async platformsOfIssuer(issuer: string) {
      return (await db.selectFrom('lti_platforms').selectAll().where('issuer', '=', issuer).orderBy('id').execute()).map(toPlatform);
    },
    async listPlatforms() {
      return (await db.selectFrom('lti_platforms').selectAll().orderBy('id').execute()).map(toPlatform);
    },
    async deletePlatform(id: string) {
      return Number((await db.deleteFrom('lti_platforms').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },

    // ---- tool keys
    async listToolKeys() {
      return db.selectFrom('lti_tool_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
    },
    async insertToolKey(k: { kid: string; publicJwk: string; privateJwkEncrypted: string; now: string }) {
      await db.insertInto('lti_tool_keys').values({ kid: k.kid, public_jwk: k.publicJwk, private_jwk_encrypted: k.privateJwkEncrypted, created_at: k.now, retired_at: null }).execute();
    },
    async retireToolKeys(exceptKid: string, now: string) {
      await db.updateTable('lti_tool_keys').set({ retired_at: now }).where('kid', '!=', exceptKid).where('retired_at', 'is', null).execute();
    },
    async deleteToolKeysRetiredBefore(before: string) {
      await db.deleteFrom('lti_tool_keys').where('retired_at', '<', before).execute();
    },

    // ---- login state and nonces
    async insertLoginState(s: { state: string; platformId: string; nonce: string; bindingHash: string; now: string; expiresAt: string }) {
      await db.insertInto('lti_login_states').values({
        state: s.state, platform_id: s.platformId, nonce: s.nonce, binding_hash: s.bindingHash, created_at: s.now, expires_at: s.expiresAt, verified_at: null, outcome: null, session_issued_at: null,
      }).execute();
    },
    async getLoginState(state: string) {
      return db.selectFrom('lti_login_states').selectAll().where('state', '=', state).executeTakeFirst();
    },
    /** Records the verified launch's outcome once; false when the state was already used. */
    async markLoginVerified(state: string, outcome: string, now: string) {
      const r = await db.updateTable('lti_login_states').set({ verified_at: now, outcome }).where('state', '=', state).where('verified_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async markSessionIssued(state: string, now: string) {
      const r = await db.updateTable('lti_login_states').set({ session_issued_at: now }).where('state', '=', state).where('session_issued_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** True the first time a platform's nonce is seen; false for a replay. */
    async useNonce(platformId: string, nonce: string, expiresAt: string) {
      const r = await db.insertInto('lti_used_nonces').values({ platform_id: platformId, nonce, expires_at: expiresAt }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async pruneLoginRecords(now: string) {
      await db.deleteFrom('lti_login_states').where('expires_at', '<', now).execute();
      await db.deleteFrom('lti_used_nonces').where('expires_at', '<', now).execute();
    },

    // ---- users
    async userIdOfSubject(platformId: string, subject: string) {
      return (await db.selectFrom('lti_users').select('user_id').where('platform_id', '=', platformId).where('subject', '=', subject).executeTakeFirst())?.user_id ?? null;
    },
    async linkUser(platformId: string, subject: string, userId: string) {
      await db.insertInto('lti_users').values({ platform_id: platformId, subject, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
    },
    /** Aula users of the given subjects, with their roles. */
    async usersOfSubjects(platformId: string, subjects: string[]) {
      const out = new Map<string, { userId: string; role: 'admin' | 'instructor' | 'student' }>();
      for (const part of chunk(subjects)) {
        const rows = await db.selectFrom('lti_users as l').innerJoin('users as u', 'u.id', 'l.user_id').select(['l.subject', 'u.id', 'u.role'])
          .where('l.platform_id', '=', platformId).where('l.subject', 'in', part).execute();
        for (const r of rows) out.set(r.subject, { userId: r.id, role: r.role });
      }
      return out;
    },

    // ---- contexts and their batches
    async getContext(platformId: string, contextId: string) {
      return db.selectFrom('lti_contexts').selectAll().where('platform_id', '=', platformId).where('context_id', '=', contextId).executeTakeFirst();
    },
    async getContextById(id: string) {
      return db.selectFrom('lti_contexts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async insertContext(c: { id: string; platformId: string; contextId: string; batchId: string; title: string; membershipsUrl: string | null; now: string }) {
      await db.insertInto('lti_contexts').values({
        id: c.id, platform_id: c.platformId, context_id: c.contextId, batch_id: c.batchId, title: c.title, memberships_url: c.membershipsUrl, last_synced_at: null, created_at: c.now,
      }).execute();
    },
    async updateContext(id: string, patch: { title: string; membershipsUrl: string | null }) {
      await db.updateTable('lti_contexts').set({ title: patch.title, memberships_url: patch.membershipsUrl }).where('id', '=', id).execute();
    },
    async markContextSynced(id: string, now: string) {
      await db.updateTable('lti_contexts').set({ last_synced_at: now }).where('id', '=', id).execute();
    },
    async contextIdsWithRoster() {
      return (await db.selectFrom('lti_contexts').select('id').where('memberships_url', 'is not', null).orderBy('id').execute()).map((r) => r.id);
    },
    async listContexts(platformId: string) {
      return db.selectFrom('lti_contexts').selectAll().where('platform_id', '=', platformId).orderBy('id').execute();
    },

    /** Batch members (students or instructors) who came from this platform: the ones a roster sync may remove. */
    async platformMembersOfBatch(table: 'enrollments' | 'batch_instructors', batchId: string, platformId: string) {
      const rows = await db.selectFrom(table).innerJoin('lti_users', 'lti_users.user_id', `${table}.user_id`).select(`${table}.user_id as user_id`)
        .where(`${table}.batch_id`, '=', batchId).where('lti_users.platform_id', '=', platformId).execute();
      return new Set(rows.map((r) => r.user_id));
    },
    async addMembers(table: 'enrollments' | 'batch_instructors', batchId: string, userIds: string[], now: string) {
      for (const part of chunk(userIds)) {
        if (part.length) await db.insertInto(table).values(part.map((u) => ({ batch_id: batchId, user_id: u, created_at: now }))).onConflict((oc) => oc.doNothing()).execute();
      }
    },
    async removeMembers(table: 'enrollments' | 'batch_instructors', batchId: string, userIds: string[]) {
      for (const part of chunk(userIds)) if (part.length) await db.deleteFrom(table).where('batch_id', '=', batchId).where('user_id', 'in', part).execute();
    },

    // ---- resource links and scores
    async getResourceLink(contextRowId: string, linkId: string) {
      return db.selectFrom('lti_resource_links').selectAll().where('context_row_id', '=', contextRowId).where('link_id', '=', linkId).executeTakeFirst();
    },
    async insertResourceLink(l: { id: string; contextRowId: string; linkId: string; lessonId: string | null; lineItemUrl: string | null; now: string }) {
      await db.insertInto('lti_resource_links').values({
        id: l.id, context_row_id: l.contextRowId, link_id: l.linkId, lesson_id: l.lessonId, line_item_url: l.lineItemUrl, created_at: l.now, updated_at: l.now,
      }).onConflict((oc) => oc.columns(['context_row_id', 'link_id']).doNothing()).execute();
    },
    async updateResourceLink(id: string, patch: { lessonId: string | null; lineItemUrl: string | null; now: string }) {
      await db.updateTable('lti_resource_links').set({ lesson_id: patch.lessonId, line_item_url: patch.lineItemUrl, updated_at: patch.now }).where('id', '=', id).execute();
    },
    async ensureScore(s: { id: string; resourceLinkRowId: string; userId: string; subject: string; now: string }) {
      await db.insertInto('lti_scores').values({
        id: s.id, resource_link_row_id: s.resourceLinkRowId, user_id: s.userId, subject: s.subject, posted_percent: null, posted_timestamp: null, created_at: s.now,
      }).onConflict((oc) => oc.columns(['resource_link_row_id', 'user_id']).doNothing()).execute();
    },
    /** Scores a viewer's watching of this recording feeds: graded links of the recording's lesson in its batch. */
    async scoreIdsForWatch(userId: string, recordingId: string) {
      const rows = await db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .innerJoin('lti_resource_links as k', 'k.lesson_id', 'c.lesson_id').innerJoin('lti_contexts as x', (j) => j.onRef('x.id', '=', 'k.context_row_id').onRef('x.batch_id', '=', 'c.batch_id'))
        .innerJoin('lti_scores as s', (j) => j.onRef('s.resource_link_row_id', '=', 'k.id').on('s.user_id', '=', userId))
        .select('s.id').where('r.id', '=', recordingId).where('k.line_item_url', 'is not', null).execute();
      return rows.map((r) => r.id);
    },
    async getScoreTarget(scoreId: string): Promise<ScoreTarget | null> {
      const r = await db.selectFrom('lti_scores as s').innerJoin('lti_resource_links as k', 'k.id', 's.resource_link_row_id').innerJoin('lti_contexts as x', 'x.id', 'k.context_row_id')
        .select(['s.id', 's.subject', 's.user_id', 's.posted_percent', 's.posted_timestamp', 'k.line_item_url', 'k.lesson_id', 'x.batch_id', 'x.platform_id'])
        .where('s.id', '=', scoreId).executeTakeFirst();
      if (!r || !r.line_item_url || !r.lesson_id) return null;
      const platform = await this.getPlatform(r.platform_id);
      if (!platform) return null;
      return {
        scoreId: r.id, subject: r.subject, userId: r.user_id, postedPercent: r.posted_percent, postedTimestamp: r.posted_timestamp,
        lineItemUrl: r.line_item_url, lessonId: r.lesson_id, batchId: r.batch_id, platform,
      };
    },
    async markScorePosted(scoreId: string, percent: number, timestamp: string) {
      await db.updateTable('lti_scores').set({ posted_percent: percent, posted_timestamp: timestamp }).where('id', '=', scoreId).execute();
    },
    /** Seconds watched and seconds available over the lesson's ready recordings in one batch. */
    async lessonWatch(lessonId: string, batchId: string, userId: string) {
      const recs = await db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .leftJoin('watch_progress as w', (j) => j.onRef('w.recording_id', '=', 'r.id').on('w.user_id', '=', userId))
        .select(['r.duration_seconds', 'w.watched_seconds'])
        .where('c.lesson_id', '=', lessonId).where('c.batch_id', '=', batchId).where('r.status', '=', 'ready').execute();
      return {
        totalSeconds: recs.reduce((s, r) => s + (r.duration_seconds ?? 0), 0),
        watchedSeconds: recs.reduce((s, r) => s + Math.min(r.watched_seconds ?? 0, r.duration_seconds ?? 0), 0),
      };
    },

    // ---- dynamic registration links
    async insertRegistrationLink(l: { id: string; tokenHash: string; name: string; courseId: string | null; administratorRole: AdministratorMapping; now: string; expiresAt: string }) {
      await db.insertInto('lti_registration_links').values({
        id: l.id, token_hash: l.tokenHash, name: l.name, course_id: l.courseId, administrator_role: l.administratorRole, created_at: l.now, expires_at: l.expiresAt, used_at: null,
      }).execute();
    },
    async getRegistrationLinkByHash(tokenHash: string) {
      return db.selectFrom('lti_registration_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    async markRegistrationLinkUsed(id: string, now: string) {
      const r = await db.updateTable('lti_registration_links').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

export type LtiRepository = ReturnType<typeof createLtiRepository>;
