import type { JobCatalogue, JobName } from './catalogue';
import type { RecordingJobView } from '../contracts/api/recordings';

// Adapters that implement the port see the catalogue's types through it.
export type { JobCatalogue, JobName } from './catalogue';

/**
 * The queue port: what services and handlers see of a queue, implemented by the database queue and the BullMQ
 * queue alike. The jobs themselves and their id-only payloads are listed in the catalogue.
 */

export type Job = { [N in JobName]: { id: string; name: N; data: JobCatalogue[N]; attempt: number; maxAttempts: number } }[JobName];

export interface EnqueueOptions {
  /** While a job with this key is queued or running, enqueueing another is a no-op. */
  dedupeKey?: string;
  delayMs?: number;
  maxAttempts?: number;
}

export type JobOutcome = { outcome: 'done' | 'skipped'; detail?: string };

export interface JobHandler<N extends JobName> {
  run(data: JobCatalogue[N], ctx: { jobId: string; attempt: number; maxAttempts: number; signal: AbortSignal }): Promise<JobOutcome>;
  /** Called once when the last attempt has failed, to leave the subject in a state a person can act on. */
  onExhausted?(data: JobCatalogue[N], error: Error): Promise<void>;
}

export type JobHandlers = { [N in JobName]?: JobHandler<N> };

export interface JobQueue {
  readonly kind: 'database' | 'bullmq';
  enqueue<N extends JobName>(name: N, data: JobCatalogue[N], opts?: EnqueueOptions): Promise<string>;
  start(handlers: JobHandlers): void;
  /** Stops taking jobs; running ones are aborted and left to be retried by the next worker. */
  stop(): Promise<void>;
  /** Queue state of the newest job with this dedupe key, for showing in the API. */
  describe(dedupeKey: string): Promise<JobStateView | null>;
  /** Jobs waiting, running and failed for good, by job name (`all` where the backend does not split by name): queue depth for metrics. */
  countByState(): Promise<{ job: string; state: 'queued' | 'running' | 'failed'; count: number }[]>;
}

/** A job as staff see it beside its recording. */
export type JobStateView = RecordingJobView;

/**
 * Thrown by a handler whose attempt failed for a reason that says when to try again (a provider's 429 with
 * `Retry-After`): the next attempt runs no sooner than `delayMs` from now instead of after the usual backoff.
 * It still counts as an attempt.
 */
export class RetryLater extends Error {
  override name = 'RetryLater';
  constructor(
    readonly delayMs: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * How long a failed attempt waits before the next: what the handler asked for with RetryLater, plus up to 10 % so
 * jobs told the same moment do not all return at once; otherwise exponential backoff.
 */
export function retryDelayMs(baseMs: number, attempt: number, error: unknown, random: () => number = Math.random): number {
  if (error instanceof RetryLater) return Math.ceil(Math.max(0, error.delayMs) * (1 + 0.1 * random()));
  return backoffDelayMs(baseMs, attempt, random);
}

/** Exponential backoff with jitter: base·2^(attempt−1), ±50 %. */
export function backoffDelayMs(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(exp * (0.5 + random()));
}

/** The same handlers, each attempt's outcome reported (for the job metrics) before the queue sees it. */
export function withAttemptCounting(handlers: JobHandlers, count: (job: JobName, outcome: 'done' | 'failed') => void): JobHandlers {
  const counted: JobHandlers = {};
  for (const name of Object.keys(handlers) as JobName[]) {
    const handler = handlers[name] as JobHandler<typeof name> | undefined;
    if (!handler) continue;
    const wrapped: JobHandler<typeof name> = {
      ...handler,
      async run(data, ctx) {
        try {
          const outcome = await handler.run(data, ctx);
          count(name, 'done');
          return outcome;
        } catch (err) {
          count(name, 'failed');
          throw err;
        }
      },
    };
    (counted as Record<JobName, JobHandler<typeof name>>)[name] = wrapped;
  }
  return counted;
}
