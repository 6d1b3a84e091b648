import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LtiPlatformRecord, LtiRepository } from '../../../adapters/db/lti-repository';
import { checkLaunchClaims, type LtiLaunch } from '../../../domain/lti/claims';
import { LtiRefusal } from '../../../domain/lti/refusal';
import type { PlatformKeys } from '../platform-keys';
import { LOGIN_TTL_MS } from './login';
import type { LaunchOutcome } from './outcome';

export interface LaunchVerifierDeps {
  repo: Pick<LtiRepository, 'getLoginState' | 'getPlatform' | 'useNonce' | 'markLoginVerified'>;
  keys: PlatformKeys;
  /** What the verified launch leads to (provisioning included). */
  outcomeOf(platform: LtiPlatformRecord, launch: LtiLaunch): Promise<LaunchOutcome>;
  clock: Clock;
  logger: Logger;
}

/** Step 2: the platform's form post. Verifies everything, provisions, and parks the outcome with the state. */
export function createLaunchVerifier(deps: LaunchVerifierDeps) {
  const { repo, clock } = deps;
  return async function verifyLaunch(input: { idToken: string; state: string }): Promise<{ state: string; kind: LaunchOutcome['kind'] }> {
    const login = await repo.getLoginState(input.state);
    if (!login || login.expires_at <= isoNow(clock)) throw new LtiRefusal('lti_state_mismatch', 'This launch does not match a login started in this browser (unknown or expired state); launch again from the course');
    const platform = await repo.getPlatform(login.platform_id);
    if (!platform) throw new LtiRefusal('lti_unknown_platform', 'The platform of this login is no longer registered');
    const payload = await deps.keys.verify(platform.jwksUrl, input.idToken);
    const launch = checkLaunchClaims(payload, { issuer: platform.issuer, clientId: platform.clientId, deploymentIds: platform.deploymentIds, nonce: login.nonce, nowSeconds: Math.floor(clock.now().getTime() / 1000) });
    if (!(await repo.useNonce(platform.id, launch.nonce, new Date(clock.now().getTime() + LOGIN_TTL_MS).toISOString())) || login.verified_at) {
      throw new LtiRefusal('lti_nonce_replayed', 'This id_token was already used; launch again from the course');
    }
    const outcome = await deps.outcomeOf(platform, launch);
    if (outcome.kind === 'deep-link') outcome.redirectTo = `/lti/deep-link/${encodeURIComponent(input.state)}`;
    if (!(await repo.markLoginVerified(input.state, JSON.stringify(outcome), isoNow(clock)))) throw new LtiRefusal('lti_nonce_replayed', 'This login was already used');
    deps.logger.info({ platformId: platform.id, userId: outcome.userId, kind: outcome.kind }, 'lti launch verified');
    return { state: input.state, kind: outcome.kind };
  };
}
