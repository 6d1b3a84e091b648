import type { LtiGrades } from '../../services/lti/grades';
import type { JobHandler } from '../queue';

/** One student's score for one line item; platform errors are retried with the queue's backoff. */
export function ltiPostScoreHandler(grades: Pick<LtiGrades, 'postScore'>): JobHandler<'lti-post-score'> {
  return {
    run: ({ scoreId }) => grades.postScore(scoreId),
  };
}
