import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { CatalogRepository } from '../../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { LtiRepository } from '../../../adapters/db/lti-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { JobQueue } from '../../../jobs/queue';
import type { IdentityService } from '../../identity';
import type { PlatformKeys } from '../platform-keys';
import type { LtiProvisioning } from '../provisioning';
import { createLoginInitiation } from './login';
import { createLaunchOutcomes } from './outcome';
import { createLaunchSessions } from './session';
import { createLaunchVerifier } from './verify';

export type { LoginInitiation } from './login';
export type { LaunchOutcome } from './outcome';

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
  const outcomeOf = createLaunchOutcomes(deps);
  const sessions = createLaunchSessions(deps);
  return {
    initiateLogin: createLoginInitiation(deps),
    verifyLaunch: createLaunchVerifier({ ...deps, outcomeOf }),
    claimSession: sessions.claimSession,
    deepLinkRequest: sessions.deepLinkRequest,
    prune: () => deps.repo.pruneLoginRecords(isoNow(deps.clock)),
  };
}

export type LtiLaunchService = ReturnType<typeof createLtiLaunch>;
