import { type Clock, isoNow } from '../../../adapters/clock';
import { safeEqual, sha256Hex } from '../../../adapters/crypto';
import type { LtiRepository } from '../../../adapters/db/lti-repository';
import type { Principal } from '../../../domain/identity';
import { LtiRefusal } from '../../../domain/lti/refusal';
import type { IdentityService } from '../../identity';
import type { LaunchOutcome } from './outcome';

/** Aula itself, minting the session token of a verified launch. */
const SYSTEM: Principal = { kind: 'api-key', apiKeyId: null, role: 'admin' };

/** Step 3, and what follows: the verified launch turned into a session, and a deep-linking request read back. */
export function createLaunchSessions(deps: { repo: Pick<LtiRepository, 'getLoginState' | 'markSessionIssued'>; identity: Pick<IdentityService, 'mintUserToken'>; clock: Clock }) {
  const { repo, clock } = deps;
  return {
    /** The browser that started the login shows its binding secret and receives its Aula session. */
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
  };
}
