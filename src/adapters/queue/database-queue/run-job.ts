import type { Logger } from 'pino';
import { type Job, type JobHandlers, type JobName, retryDelayMs } from '../../../jobs/queue';
import type { ClaimedJobRow, JobTable } from './job-table';

/**
 * Runs one claimed job under a lease renewed while it runs, and records what came of it: done, retried after a
 * backoff (or the delay RetryLater asked for), or failed for good after the handler's `onExhausted`.
 * An aborted attempt (the queue stopping) is left as it is for the next worker.
 */
export async function runClaimedJob(
  row: ClaimedJobRow,
  controller: AbortController,
  deps: { table: JobTable; handlers: JobHandlers; logger: Logger; leaseMs: number; backoffMs: number },
): Promise<void> {
  const { table } = deps;
  const job = { id: row.id, name: row.name, data: JSON.parse(row.data), attempt: row.attempts, maxAttempts: row.max_attempts } as Job;
  const handler = deps.handlers[job.name] as JobHandlers[JobName] | undefined;
  const log = deps.logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
  const lease = setInterval(() => {
    void table.renewLease(job.id).catch((err: unknown) => log.warn({ err }, 'lease renewal failed'));
  }, deps.leaseMs / 3);
  try {
    if (!handler) throw new Error(`No handler for job ${job.name}`);
    const result = await (handler.run as (d: unknown, c: unknown) => Promise<{ outcome: string; detail?: string }>)(job.data, { jobId: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, signal: controller.signal });
    if (controller.signal.aborted) return; // stopping: leave it for the next worker
    await table.finish(job.id, 'done', result.detail ?? null);
    log.info({ outcome: result.outcome, detail: result.detail }, 'job finished');
  } catch (err) {
    if (controller.signal.aborted) return;
    const error = err instanceof Error ? err : new Error(String(err));
    if (job.attempt >= job.maxAttempts) {
      log.error({ err: error }, 'job failed for good');
      try {
        await (handler?.onExhausted as ((d: unknown, e: Error) => Promise<void>) | undefined)?.(job.data, error);
      } finally {
        await table.finish(job.id, 'failed', error.message);
      }
    } else {
      const delay = retryDelayMs(deps.backoffMs, job.attempt, error);
      log.warn({ err: error, retryInMs: delay }, 'job failed; will retry');
      await table.retryIn(job.id, delay, error.message);
    }
  } finally {
    clearInterval(lease);
  }
}
