import type { LtiRoster } from '../../services/lti/roster';
import type { JobHandler, JobQueue } from '../queue';

/** One context's roster; a context deleted meanwhile (or without a roster service) is skipped. */
export function ltiSyncRosterHandler(roster: Pick<LtiRoster, 'syncContext'>): JobHandler<'lti-sync-roster'> {
  return {
    async run({ contextId }) {
      const result = await roster.syncContext(contextId);
      if (!result) return { outcome: 'skipped', detail: 'context gone or without a roster service' };
      return { outcome: 'done', detail: `${result.members} members, ${result.added} added, ${result.removed} removed` };
    },
  };
}

/** The hourly sweep: one deduplicated sync job per context. */
export function ltiSyncRostersHandler(roster: Pick<LtiRoster, 'contextIdsWithRoster'>, queue: Pick<JobQueue, 'enqueue'>): JobHandler<'lti-sync-rosters'> {
  return {
    async run() {
      const ids = await roster.contextIdsWithRoster();
      for (const contextId of ids) await queue.enqueue('lti-sync-roster', { contextId }, { dedupeKey: `lti-sync-roster:${contextId}` });
      return { outcome: 'done', detail: `${ids.length} contexts scheduled` };
    },
  };
}
