import type { AdministratorMapping } from '../../../domain/lti/roles';
import type { LtiPlatformsTable } from '../schema';

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

export function toPlatform(r: LtiPlatformsTable): LtiPlatformRecord {
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

/** Long lists go to the database in slices, under every backend's limit on bound parameters. */
export const chunk = <T>(items: T[], size = 500): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
