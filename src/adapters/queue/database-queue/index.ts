import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../../clock';
import { newId } from '../../crypto';
import type { Db } from '../../db/database';
import type { EnqueueOptions, JobCatalogue, JobHandlers, JobName, JobQueue } from '../../../jobs/queue';
import { createJobTable } from './job-table';
import { runClaimedJob } from './run-job';

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
  const { logger } = opts;
  const workerId = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const pollMs = opts.pollMs ?? 250;
  const leaseMs = opts.leaseMs ?? 30_000;
  const table = createJobTable(opts.db, opts.clock, workerId, leaseMs);
  let handlers: JobHandlers = {};
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();

  /** Claims jobs while there is room, then looks again after `pollMs` (or at once when a job ends or is added). */
  async function tick() {
    timer = null;
    if (!running) return;
    try {
      while (running && active.size < opts.concurrency) {
        const row = await table.claim();
        if (!row) break;
        const controller = new AbortController();
        const done = runClaimedJob(row, controller, { table, handlers, logger, leaseMs, backoffMs: opts.backoffMs })
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
      const id = await table.insert(name, data, o, opts.maxAttempts);
      schedule(0);
      return id;
    },

    start(h) {
      handlers = h;
      if (running) return;
      running = true;
      const begin = opts.soleWorker ? table.releaseRunning() : Promise.resolve();
      void begin.then(() => schedule(0), (err: unknown) => logger.error({ err }, 'could not reclaim jobs'));
    },

    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const { controller } of active.values()) controller.abort();
      await Promise.allSettled([...active.values()].map((a) => a.done));
    },

    countByState: () => table.countByState(),
    describe: (dedupeKey) => table.describe(dedupeKey),
  };
}
