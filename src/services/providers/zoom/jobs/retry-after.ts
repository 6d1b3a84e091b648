import { ZoomApiError } from '../../../../domain/providers/zoom/api-error';
import { type JobName } from '../../../../jobs/catalogue';
import { type JobHandler, RetryLater } from '../../../../jobs/queue';

/** A longer `Retry-After` (a broken header) is not waited for in full. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** Zoom said when to come back (429 with `Retry-After`): the job's next attempt waits at least that long. */
export function honouringRetryAfter<N extends JobName>(handler: JobHandler<N>): JobHandler<N> {
  return {
    ...handler,
    async run(data, ctx) {
      try {
        return await handler.run(data, ctx);
      } catch (err) {
        if (err instanceof ZoomApiError && err.kind === 'rate_limited' && err.retryAfterMs !== null) {
          throw new RetryLater(Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS), err.message, { cause: err });
        }
        throw err;
      }
    },
  };
}
