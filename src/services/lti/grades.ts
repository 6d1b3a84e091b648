import type { Logger } from 'pino';
import type { Clock } from '../../adapters/clock';
import type { LtiRepository } from '../../adapters/db/lti-repository';
import type { PlatformHttp } from '../../adapters/lti/platform-http';
import { PlatformHttpError } from '../../domain/lti/platform-http-error';
import { LTI_SCOPES } from '../../domain/lti/claims';
import { nextScoreTimestamp, scoresUrl, watchScore } from '../../domain/lti/messages';
import { type JobOutcome, type JobQueue, RetryLater } from '../../jobs/queue';
import type { AccessTokens } from './access-tokens';

/** How long the score lookups of one viewer and recording are reused between heartbeats. */
const TARGET_CACHE_MS = 60_000;

/**
 * Assignment and Grade Services: a student's watched share of a lesson's recordings becomes the score of the LMS
 * line item that placed the lesson. Heartbeats schedule a score job at most once per `debounceMs`; the job reads
 * the latest watch time, so a burst of heartbeats is one score.
 */
export function createLtiGrades(deps: {
  repo: LtiRepository;
  http: Pick<PlatformHttp, 'postJson'>;
  tokens: AccessTokens;
  queue: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  logger: Logger;
  debounceMs: number;
}) {
  const targets = new Map<string, { ids: string[]; at: number }>();
  return {
    /** Called on every heartbeat of a signed-in viewer. */
    async watched(userId: string, recordingId: string): Promise<void> {
      const key = `${userId}:${recordingId}`;
      let hit = targets.get(key);
      if (!hit || Date.now() - hit.at > TARGET_CACHE_MS) {
        if (targets.size > 50_000) targets.clear();
        hit = { ids: await deps.repo.scoreIdsForWatch(userId, recordingId), at: Date.now() };
        targets.set(key, hit);
      }
      for (const scoreId of hit.ids) await deps.queue.enqueue('lti-post-score', { scoreId }, { dedupeKey: `lti-post-score:${scoreId}`, delayMs: deps.debounceMs });
    },

    /** The job: post the current watched percentage, if it changed since the last score sent. */
    async postScore(scoreId: string): Promise<JobOutcome> {
      const target = await deps.repo.getScoreTarget(scoreId);
      if (!target) return { outcome: 'skipped', detail: 'score target gone' };
      const watch = await deps.repo.lessonWatch(target.lessonId, target.batchId, target.userId);
      const percent = watch.totalSeconds > 0 ? Math.round((watch.watchedSeconds / watch.totalSeconds) * 1000) / 10 : 0;
      if (target.postedPercent !== null && Math.abs(target.postedPercent - percent) < 0.05) return { outcome: 'skipped', detail: `unchanged at ${percent}%` };
      // Pressing play is not yet a grade: the first score waits for some watched time.
      if (target.postedPercent === null && percent === 0) return { outcome: 'skipped', detail: 'nothing watched yet' };
      const timestamp = nextScoreTimestamp(deps.clock.now().getTime(), target.postedTimestamp);
      const token = await deps.tokens.tokenFor(target.platform, [LTI_SCOPES.score]);
      try {
        await deps.http.postJson(scoresUrl(target.lineItemUrl), watchScore({ userId: target.subject, watchedPercent: percent, timestamp }), {
          'content-type': 'application/vnd.ims.lis.v1.score+json',
          authorization: `Bearer ${token}`,
        });
      } catch (err) {
        if (err instanceof PlatformHttpError) {
          if (err.status === 401) deps.tokens.forget(target.platform.id);
          // 409: the platform holds a later timestamp than ours (another process posted); keep it so the retry goes past it.
          if (err.status === 409) await deps.repo.markScorePosted(scoreId, target.postedPercent ?? -1, timestamp);
          if (err.status === 429 && err.retryAfterSeconds) throw new RetryLater(err.retryAfterSeconds * 1000, err.message, { cause: err });
        }
        throw err;
      }
      await deps.repo.markScorePosted(scoreId, percent, timestamp);
      deps.logger.info({ scoreId, percent }, 'lti score posted');
      return { outcome: 'done', detail: `${percent}%` };
    },
  };
}

export type LtiGrades = ReturnType<typeof createLtiGrades>;
