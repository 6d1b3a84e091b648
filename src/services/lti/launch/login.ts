import { randomToken, sha256Hex } from '../../../adapters/crypto';
import type { Clock } from '../../../adapters/clock';
import type { LtiPlatformRecord, LtiRepository } from '../../../adapters/db/lti-repository';
import { LtiRefusal } from '../../../domain/lti/refusal';

/** A login must come back within this time; also how long its nonce is remembered after use. */
export const LOGIN_TTL_MS = 10 * 60_000;

export interface LoginInitiation {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  lti_message_hint?: string | undefined;
  client_id?: string | undefined;
  lti_deployment_id?: string | undefined;
}

/** Step 1: the platform's login initiation becomes an authentication request, bound to this browser. */
export function createLoginInitiation(deps: { repo: Pick<LtiRepository, 'platformsOfIssuer' | 'insertLoginState'>; clock: Clock; publicUrl: string }) {
  const { repo, clock } = deps;

  async function platformFor(issuer: string, clientId: string | undefined): Promise<LtiPlatformRecord> {
    const candidates = (await repo.platformsOfIssuer(issuer)).filter((p) => !clientId || p.clientId === clientId);
    if (candidates.length === 0) throw new LtiRefusal('lti_unknown_platform', `No platform with issuer ${issuer}${clientId ? ` and client id ${clientId}` : ''} is registered in Aula`);
    if (candidates.length > 1) throw new LtiRefusal('lti_unknown_platform', `Several registrations share issuer ${issuer}; the platform must send client_id`);
    return candidates[0]!;
  }

  return async function initiateLogin(params: LoginInitiation) {
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
  };
}
