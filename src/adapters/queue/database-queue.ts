import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../clock';
import { newId } from '../crypto';
import type { Db } from '../db/database';
import { type EnqueueOptions, type Job, type JobCatalogue, type JobHandlers, type JobName, type JobQueue, type JobStateView, retryDelayMs } from '../../jobs/queue';

export interface DatabaseQueueOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  pollMs?: number;
  leaseMs?: number;
  /** Only one process uses this database: jobs left running by a previous (crashed) process are taken back at once. */
  soleWorker: boolean;
}

/**
 * A durable queue in the application database: jobs survive crashes and restarts. A worker claims a job with a
 * conditional update (one winner), holds a lease it renews while running, and a job whose lease lapsed is claimed again.
 */
export function createDatabaseQueue(opts: DatabaseQueueOptions): JobQueue {
  const { db, clock, logger } = opts;
  const workerId = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const pollMs = opts.pollMs ?? 250;
  const leaseMs = opts.leaseMs ?? 30_000;
  let handlers: JobHandlers = {};
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();

  const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();

  async function claim(): Promise<{ id: string; name: string; data: string; attempts: number; max_attempts: number } | null> {
    const now = isoNow(clock);
    const candidate = await db
      .selectFrom('jobs')
      .select(['id', 'status', 'locked_until'])
      .where((eb) => eb.or([eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('status', '=', 'running'), eb('locked_until', '<', now)])]))
      .orderBy('run_at')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return null;
    const result = await db
      .updateTable('jobs')
      .set((eb) => ({ status: 'running', locked_by: workerId, locked_until: at(leaseMs), attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', '=', candidate.id)
      .where('status', '=', candidate.status)
      .where((eb) => (candidate.locked_until === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', candidate.locked_until)))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null; // another worker won
    return db.selectFrom('jobs').select(['id', 'name', 'data', 'attempts', 'max_attempts']).where('id', '=', candidate.id).executeTakeFirstOrThrow();
  }

  async function runJob(row: { id: string; name: string; data: string; attempts: number; max_attempts: number }, controller: AbortController) {
    const job = { id: row.id, name: row.name, data: JSON.parse(row.data), attempt: row.attempts, maxAttempts: row.max_attempts } as Job;
    const handler = handlers[job.name] as JobHandlers[JobName] | undefined;
    const log = logger.child({ jobId: job.id, job: job.name, attempt: job.attempt });
    const lease = setInterval(() => {
      void db.updateTable('jobs').set({ locked_until: at(leaseMs) }).where('id', '=', job.id).where('locked_by', '=', workerId).execute().catch((err: unknown) => log.warn({ err }, 'lease renewal failed'));
    }, leaseMs / 3);
    try {
      if (!handler) throw new Error(`No handler for job ${job.name}`);
      const result = await (handler.run as (d: unknown, c: unknown) => Promise<{ outcome: string; detail?: string }>)(job.data, { jobId: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, signal: controller.signal });
      if (controller.signal.aborted) return; // stopping: leave it for the next worker
      await finish(job.id, 'done', result.detail ?? null);
      log.info({ outcome: result.outcome, detail: result.detail }, 'job finished');
    } catch (err) {
      if (controller.signal.aborted) return;
      const error = err instanceof Error ? err : new Error(String(err));
      if (job.attempt >= job.maxAttempts) {
        log.error({ err: error }, 'job failed for good');
        try {
          await (handler?.onExhausted as ((d: unknown, e: Error) => Promise<void>) | undefined)?.(job.data, error);
        } finally {
          await finish(job.id, 'failed', error.message);
        }
      } else {
        const delay = retryDelayMs(opts.backoffMs, job.attempt, error);
        log.warn({ err: error, retryInMs: delay }, 'job failed; will retry');
        await db
          .updateTable('jobs')
          .set({ status: 'queued', run_at: at(delay), locked_by: null, locked_until: null, last_error: error.message, updated_at: isoNow(clock) })
          .where('id', '=', job.id)
          .execute();
      }
    } finally {
      clearInterval(lease);
    }
  }

  async function finish(id: string, status: 'done' | 'failed', lastError: string | null) {
    const now = isoNow(clock);
    await db
      .updateTable('jobs')
      .set({ status, finished_at: now, updated_at: now, locked_by: null, locked_until: null, ...(status === 'failed' ? { last_error: lastError } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async function tick() {
    timer = null;
    if (!running) return;
    try {
      while (running && active.size < opts.concurrency) {
        const row = await claim();
        if (!row) break;
        const controller = new AbortController();
        const done = runJob(row, controller)
          .catch((err: unknown) => logger.error({ err, jobId: row.id }, 'job bookkeeping failed'))
          .finally(() => {
            active.delete(row.id);
            schedule(0);
          });
        active.set(row.id, { controller, done });
      }
    } catch (err) {
      logger.error({ err }, 'job polling failed');
    }
    schedule(pollMs);
  }

  function schedule(ms: number) {
    if (!running) return;
    if (timer && ms > 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
  }

  return {
    kind: 'database',
    async enqueue<N extends JobName>(name: N, data: JobCatalogue[N], o: EnqueueOptions = {}) {
      if (o.dedupeKey) {
        const existing = await db
          .selectFrom('jobs')
          .select('id')
          .where('dedupe_key', '=', o.dedupeKey)
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirst();
        if (existing) return existing.id;
      }
      const id = newId();
      const now = isoNow(clock);
      await db
        .insertInto('jobs')
        .values({
          id, name, data: JSON.stringify(data), dedupe_key: o.dedupeKey ?? null, status: 'queued', attempts: 0,
          max_attempts: o.maxAttempts ?? opts.maxAttempts, run_at: at(o.delayMs ?? 0), locked_by: null, locked_until: null,
          last_error: null, created_at: now, updated_at: now, finished_at: null,
        })
        .execute();
      schedule(0);
      return id;
    },

    start(h) {
      handlers = h;
      if (running) return;
      running = true;
      const begin = opts.soleWorker
        ? db.updateTable('jobs').set({ locked_until: isoNow(clock) }).where('status', '=', 'running').execute().then(() => undefined)
        : Promise.resolve();
      void begin.then(() => schedule(0), (err: unknown) => logger.error({ err }, 'could not reclaim jobs'));
    },

    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const { controller } of active.values()) controller.abort();
      await Promise.allSettled([...active.values()].map((a) => a.done));
    },

    async countByState() {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['name', 'status', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['queued', 'running', 'failed'])
        .groupBy(['name', 'status'])
        .execute();
      return rows.map((r) => ({ job: r.name, state: r.status as 'queued' | 'running' | 'failed', count: Number(r.n) }));
    },

    async describe(dedupeKey) {
      const row = await db
        .selectFrom('jobs')
        .select(['id', 'name', 'status', 'attempts', 'max_attempts', 'run_at', 'last_error'])
        .where('dedupe_key', '=', dedupeKey)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? ({ id: row.id, name: row.name, status: row.status, attempts: row.attempts, maxAttempts: row.max_attempts, runAt: row.run_at, lastError: row.last_error } satisfies JobStateView) : null;
    },
  };
}
