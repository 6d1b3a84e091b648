import type { Db } from '../database';
import { createContextQueries } from './contexts';
import { createLoginQueries } from './logins';
import { createPlatformQueries } from './platforms';
import { createRegistrationLinkQueries } from './registration-links';
import { createScoreQueries } from './scores';
import { createToolKeyQueries } from './tool-keys';
import { createLtiUserQueries } from './users';

export type { LtiPlatformRecord, ScoreTarget } from './records';

/** Everything LTI keeps: platforms, keys, launches, linked users, contexts, resource links and scores. */
export function createLtiRepository(db: Db) {
  return {
    ...createPlatformQueries(db),
    ...createToolKeyQueries(db),
    ...createLoginQueries(db),
    ...createLtiUserQueries(db),
    ...createContextQueries(db),
    ...createScoreQueries(db),
    ...createRegistrationLinkQueries(db),
  };
}

export type LtiRepository = ReturnType<typeof createLtiRepository>;
