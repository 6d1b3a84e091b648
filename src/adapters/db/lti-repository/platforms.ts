import type { AdministratorMapping } from '../../../domain/lti/roles';
import type { Db } from '../database';
import { type LtiPlatformRecord, toPlatform } from './records';

/** The platform with this id, or null. */
export async function getPlatform(db: Db, id: string): Promise<LtiPlatformRecord | null> {
  const r = await db.selectFrom('lti_platforms').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toPlatform(r) : null;
}

/** LMS platforms registered with Aula. */
export function createPlatformQueries(db: Db) {
  return {
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
    getPlatform: (id: string) => getPlatform(db, id),
    async platformsOfIssuer(issuer: string) {
      return (await db.selectFrom('lti_platforms').selectAll().where('issuer', '=', issuer).orderBy('id').execute()).map(toPlatform);
    },
    async listPlatforms() {
      return (await db.selectFrom('lti_platforms').selectAll().orderBy('id').execute()).map(toPlatform);
    },
    async deletePlatform(id: string) {
      return Number((await db.deleteFrom('lti_platforms').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },
  };
}
