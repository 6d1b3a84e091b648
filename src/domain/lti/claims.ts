import { z } from 'zod';
import { LtiRefusal } from './refusal';
import { type LtiRole, mapLtiRoles } from './roles';

/** Claim names of LTI 1.3 core, Deep Linking 2.0, NRPS 2.0 and AGS 2.0. */
export const LTI = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  toolConfiguration: 'https://purl.imsglobal.org/spec/lti-tool-configuration',
} as const;

export const LTI_SCOPES = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;

/** Seconds of clock difference tolerated on `exp` and `iat`. */
export const LTI_CLOCK_LEEWAY_SECONDS = 60;

const Context = z.object({ id: z.string().min(1).max(255), title: z.string().max(500).optional(), label: z.string().max(255).optional() });
const Nrps = z.object({ context_memberships_url: z.url(), service_versions: z.array(z.string()).optional() });
const Ags = z.object({ scope: z.array(z.string()).default([]), lineitems: z.url().optional(), lineitem: z.url().optional() });
const DeepLinkingSettings = z.object({
  deep_link_return_url: z.url(),
  accept_types: z.array(z.string()).default([]),
  accept_multiple: z.boolean().optional(),
  data: z.string().max(4000).optional(),
});

export interface LaunchExpectations {
  issuer: string;
  clientId: string;
  deploymentIds: readonly string[];
  nonce: string;
  nowSeconds: number;
}

interface LaunchCommon {
  issuer: string;
  subject: string;
  deploymentId: string;
  nonce: string;
  name: string | null;
  email: string | null;
  roles: LtiRole[];
  context: { id: string; title: string | null } | null;
  custom: Record<string, string>;
  membershipsUrl: string | null;
  targetLinkUri: string;
}

/** A verified launch, reduced to what Aula acts on. */
export type LtiLaunch =
  | (LaunchCommon & { kind: 'resource'; resourceLink: { id: string; title: string | null }; lineItemUrl: string | null; agsScopes: string[] })
  | (LaunchCommon & { kind: 'deep-link'; deepLink: { returnUrl: string; acceptTypes: string[]; data: string | null } });

function claim<T>(payload: Record<string, unknown>, name: string, schema: z.ZodType<T>, required: boolean): T | undefined {
  const value = payload[name];
  if (value === undefined || value === null) {
    if (required) throw new LtiRefusal('lti_missing_claim', `The id_token has no ${name} claim`);
    return undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new LtiRefusal('lti_missing_claim', `The id_token's ${name} claim is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** `aud` names this tool (a string, or an array that includes it; then `azp`, when present, must be this tool too). */
export function checkAudience(aud: unknown, azp: unknown, clientId: string): void {
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  if (!audiences.includes(clientId)) throw new LtiRefusal('lti_wrong_audience', `The id_token is addressed to ${JSON.stringify(aud)}, not to this tool's client id ${clientId}`);
  if ((audiences.length > 1 || azp !== undefined) && azp !== clientId) {
    throw new LtiRefusal('lti_wrong_audience', `The id_token's azp ${JSON.stringify(azp)} is not this tool's client id ${clientId}`);
  }
}

/** Checks issuer, audience, times, nonce and the LTI claims of an id_token whose signature is already verified. */
export function checkLaunchClaims(payload: Record<string, unknown>, expect: LaunchExpectations): LtiLaunch {
  if (payload.iss !== expect.issuer) throw new LtiRefusal('lti_wrong_issuer', `The id_token was issued by ${JSON.stringify(payload.iss)}, not ${expect.issuer}`);
  checkAudience(payload.aud, payload.azp, expect.clientId);
  const exp = typeof payload.exp === 'number' ? payload.exp : null;
  const iat = typeof payload.iat === 'number' ? payload.iat : null;
  if (exp === null || iat === null) throw new LtiRefusal('lti_missing_claim', 'The id_token needs numeric exp and iat claims');
  if (exp + LTI_CLOCK_LEEWAY_SECONDS < expect.nowSeconds) throw new LtiRefusal('lti_token_expired', `The id_token expired at ${new Date(exp * 1000).toISOString()}`);
  if (iat - LTI_CLOCK_LEEWAY_SECONDS > expect.nowSeconds) throw new LtiRefusal('lti_token_expired', 'The id_token was issued in the future; check the platform\'s clock');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) throw new LtiRefusal('lti_missing_claim', 'The id_token has no sub (anonymous launches are not supported)');
  if (payload.nonce !== expect.nonce) throw new LtiRefusal('lti_state_mismatch', 'The id_token\'s nonce is not the one this browser\'s login asked for');

  const version = claim(payload, LTI.version, z.string(), true);
  if (version !== '1.3.0') throw new LtiRefusal('lti_unsupported_message', `LTI version ${version} is not supported; Aula speaks 1.3.0`);
  const messageType = claim(payload, LTI.messageType, z.string(), true);
  const deploymentId = claim(payload, LTI.deploymentId, z.string().min(1).max(255), true)!;
  if (!expect.deploymentIds.includes(deploymentId)) throw new LtiRefusal('lti_unknown_deployment', `Deployment ${deploymentId} is not registered for this platform`);
  const roles = claim(payload, LTI.roles, z.array(z.string()), true)!;

  const context = claim(payload, LTI.context, Context, false);
  const customRaw = claim(payload, LTI.custom, z.record(z.string(), z.unknown()), false) ?? {};
  const custom = Object.fromEntries(Object.entries(customRaw).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const common: LaunchCommon = {
    issuer: expect.issuer,
    subject: payload.sub,
    deploymentId,
    nonce: expect.nonce,
    name: typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 200) : null,
    email: typeof payload.email === 'string' && z.email().safeParse(payload.email).success ? payload.email.toLowerCase() : null,
    roles: mapLtiRoles(roles),
    context: context ? { id: context.id, title: context.title ?? context.label ?? null } : null,
    custom,
    membershipsUrl: claim(payload, LTI.nrps, Nrps, false)?.context_memberships_url ?? null,
    targetLinkUri: claim(payload, LTI.targetLinkUri, z.url(), messageType === 'LtiResourceLinkRequest') ?? '',
  };

  if (messageType === 'LtiResourceLinkRequest') {
    const link = claim(payload, LTI.resourceLink, z.object({ id: z.string().min(1).max(255), title: z.string().max(500).optional() }), true)!;
    const ags = claim(payload, LTI.ags, Ags, false);
    return { ...common, kind: 'resource', resourceLink: { id: link.id, title: link.title ?? null }, lineItemUrl: ags?.lineitem ?? null, agsScopes: ags?.scope ?? [] };
  }
  if (messageType === 'LtiDeepLinkingRequest') {
    const settings = claim(payload, LTI.deepLinkingSettings, DeepLinkingSettings, true)!;
    return { ...common, kind: 'deep-link', deepLink: { returnUrl: settings.deep_link_return_url, acceptTypes: settings.accept_types, data: settings.data ?? null } };
  }
  throw new LtiRefusal('lti_unsupported_message', `Message type ${JSON.stringify(messageType)} is not supported; Aula accepts LtiResourceLinkRequest and LtiDeepLinkingRequest`);
}
