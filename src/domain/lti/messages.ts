import { LTI, LTI_SCOPES } from './claims';

/** Claims of a signed LtiDeepLinkingResponse (the tool signs it with its own key). */
export function deepLinkingResponseClaims(input: {
  clientId: string;
  issuer: string;
  deploymentId: string;
  nonce: string;
  data: string | null;
  items: { title: string; url: string; custom: Record<string, string> }[];
  nowSeconds: number;
}): Record<string, unknown> {
  return {
    iss: input.clientId,
    aud: [input.issuer],
    iat: input.nowSeconds,
    exp: input.nowSeconds + 600,
    nonce: input.nonce,
    [LTI.deploymentId]: input.deploymentId,
    [LTI.messageType]: 'LtiDeepLinkingResponse',
    [LTI.version]: '1.3.0',
    [LTI.contentItems]: input.items.map((i) => ({ type: 'ltiResourceLink', title: i.title, url: i.url, custom: i.custom })),
    ...(input.data !== null && { [LTI.deepLinkData]: input.data }),
  };
}

/** Claims of the JWT a tool signs to obtain an access token (RFC 7523 client assertion). */
export function clientAssertionClaims(clientId: string, tokenEndpoint: string, jti: string, nowSeconds: number): Record<string, unknown> {
  return { iss: clientId, sub: clientId, aud: tokenEndpoint, iat: nowSeconds, exp: nowSeconds + 300, jti };
}

/** A watched share from which a lesson counts as completed. */
export const COMPLETED_AT_PERCENT = 95;

/**
 * The AGS score for a watched percentage. Always FullyGraded: Moodle drops `scoreGiven` otherwise. `timestamp` must be
 * later than the last one sent for this user and line item (Moodle answers 409 to an equal one).
 */
export function watchScore(input: { userId: string; watchedPercent: number; timestamp: string }) {
  const score = Math.round(Math.min(100, Math.max(0, input.watchedPercent)) * 10) / 10;
  return {
    userId: input.userId,
    scoreGiven: score,
    scoreMaximum: 100,
    activityProgress: score >= COMPLETED_AT_PERCENT ? 'Completed' : 'InProgress',
    gradingProgress: 'FullyGraded',
    timestamp: input.timestamp,
    comment: `Watched ${score}% of the lesson's recordings`,
  };
}

/** A timestamp strictly after the previous one for the same user and line item, even within one millisecond. */
export function nextScoreTimestamp(nowMs: number, previous: string | null): string {
  const last = previous ? Date.parse(previous) : Number.NEGATIVE_INFINITY;
  return new Date(Math.max(nowMs, last + 1)).toISOString();
}

/** Where scores go: `{lineitem}/scores`, keeping the line item URL's query string after the path. */
export function scoresUrl(lineItemUrl: string): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/scores`;
  return url.toString();
}

/** The tool configuration Aula posts in LTI Dynamic Registration (OpenID Connect client registration + LTI). */
export function toolRegistrationRequest(publicUrl: string, clientName: string, platformMessages: readonly string[]) {
  const host = new URL(publicUrl).host;
  const messages = [{ type: 'LtiResourceLinkRequest', target_link_uri: `${publicUrl}/lti/launch` }];
  if (platformMessages.includes('LtiDeepLinkingRequest')) {
    messages.push({ type: 'LtiDeepLinkingRequest', target_link_uri: `${publicUrl}/lti/launch`, ...{ label: 'Add Aula recordings' } });
  }
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: `${publicUrl}/lti/login`,
    redirect_uris: [`${publicUrl}/lti/launch`],
    client_name: clientName,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    logo_uri: `${publicUrl}/favicon.ico`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: [LTI_SCOPES.nrps, LTI_SCOPES.lineItem, LTI_SCOPES.score].join(' '),
    [LTI.toolConfiguration]: {
      domain: host,
      target_link_uri: `${publicUrl}/lti/launch`,
      description: 'Live classes and their recordings',
      claims: ['iss', 'sub', 'name', 'email'],
      messages,
    },
  };
}
