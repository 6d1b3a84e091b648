import { type Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type EnqueueOptions, type JobCatalogue, type JobHandlers, type JobName, type JobQueue, type JobStateView, retryDelayMs } from '../../jobs/queue';

const QUEUE_NAME = 'aula-jobs';
const COMPLETED_KEPT_SECONDS = 7 * 86_400;
const FAILED_KEPT_SECONDS = 30 * 86_400;

/**
 * The same job interface on BullMQ/Redis, for several Aula processes behind a load balancer.
 * Dedupe keys become BullMQ deduplication ids (held while the job is waiting, delayed or active).
 */
export function createBullmqQueue(opts: { redisUrl: string; logger: Logger; concurrency: number; maxAttempts: number; backoffMs: number }): JobQueue {
  // BullMQ needs maxRetriesPerRequest: null on the connections its workers block on.
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection });
  // The newest job of each dedupe key, among the queue's own keys. BullMQ deletes its deduplication id when the job
  // finishes, and staff are still shown a finished job (done, or failed and why) for as long as BullMQ keeps it.
  const newestJobKey = (dedupeKey: string) => queue.toKey(`newest-job:${dedupeKey}`);
  let worker: Worker | null = null;

  return {
    kind: 'bullmq',
    async enqueue<N extends JobName>(name: N, data: JobCatalogue[N], o: EnqueueOptions = {}) {
      const job = await queue.add(name, data, {
        attempts: o.maxAttempts ?? opts.maxAttempts,
        backoff: { type: 'aula' },
        ...(o.delayMs && { delay: o.delayMs }),
        ...(o.dedupeKey && { deduplication: { id: o.dedupeKey } }),
        removeOnComplete: { age: COMPLETED_KEPT_SECONDS, count: 10_000 },
        removeOnFail: { age: FAILED_KEPT_SECONDS },
      });
      // A duplicate add answers with the job that holds the key, so this names the newest job either way.
      if (o.dedupeKey && job.id) await connection.set(newestJobKey(o.dedupeKey), job.id, 'EX', FAILED_KEPT_SECONDS);
      return job.id ?? '';
    },

    start(handlers: JobHandlers) {
      if (worker) return;
      worker = new Worker(
        QUEUE_NAME,
        async (job: BullJob, _token, signal) => {
          const name = job.name as JobName;
          const handler = handlers[name] as JobHandlers[JobName] | undefined;
          if (!handler) throw new Error(`No handler for job ${name}`);
          const attempt = job.attemptsMade + 1;
          const maxAttempts = job.opts.attempts ?? opts.maxAttempts;
          const controller = new AbortController();
          signal?.addEventListener('abort', () => controller.abort());
          try {
            const run = handler.run as (d: unknown, c: { jobId: string; attempt: number; maxAttempts: number; signal: AbortSignal }) => Promise<{ outcome: string; detail?: string }>;
            return await run(job.data, { jobId: job.id ?? '', attempt, maxAttempts, signal: controller.signal });
          } catch (err) {
            if (attempt >= maxAttempts) {
              const exhausted = handler.onExhausted as ((d: unknown, e: Error) => Promise<void>) | undefined;
              await exhausted?.(job.data, err instanceof Error ? err : new Error(String(err)));
            }
            throw err;
          }
        },
        {
          connection: new Redis(opts.redisUrl, { maxRetriesPerRequest: null }),
          concurrency: opts.concurrency,
          // BullMQ hands the strategy the error the handler threw, so a RetryLater's delay reaches it unchanged.
          settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(opts.backoffMs, attemptsMade, err) },
        },
      );
      worker.on('failed', (job, err) => opts.logger.warn({ jobId: job?.id, job: job?.name, err }, 'job attempt failed'));
      worker.on('error', (err) => opts.logger.error({ err }, 'job worker error'));
    },

    async stop() {
      await worker?.close();
      await queue.close();
      connection.disconnect();
    },

    async countByState() {
      const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'failed');
      return [
        { job: 'all', state: 'queued' as const, count: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) },
        { job: 'all', state: 'running' as const, count: c.active ?? 0 },
        { job: 'all', state: 'failed' as const, count: c.failed ?? 0 },
      ];
    },

    async describe(dedupeKey: string): Promise<JobStateView | null> {
      // Jobs added before the newest-job key existed are found by their deduplication id while they run.
      const id = (await connection.get(newestJobKey(dedupeKey))) ?? (await queue.getDeduplicationJobId(dedupeKey));
      const job = id ? await queue.getJob(id) : null;
      if (!job) return null;
      const state = await job.getState();
      const status = state === 'completed' ? 'done' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued';
      return {
        id: job.id ?? '', name: job.name, status, attempts: job.attemptsMade, maxAttempts: job.opts.attempts ?? opts.maxAttempts,
        runAt: new Date(job.timestamp + (job.opts.delay ?? 0)).toISOString(), lastError: job.failedReason || null,
      };
    },
  };
}
