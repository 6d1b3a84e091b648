import { type Clock, isoNow } from '../../clock';
import { newId } from '../../crypto';
import type { Db } from '../../db/database';
import type { EnqueueOptions, JobStateView } from '../../../jobs/queue';

/** A claimed job's row: what a worker needs to run it. */
export interface ClaimedJobRow {
  id: string;
  name: string;
  data: string;
  attempts: number;
  max_attempts: number;
}

/** The `jobs` table as the queue reads and writes it; `workerId` marks the rows this worker holds. */
export function createJobTable(db: Db, clock: Clock, workerId: string, leaseMs: number) {
  const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs).toISOString();

  return {
    /** One due job (queued, or running with a lapsed lease), claimed with a conditional update: one winner. */
    async claim(): Promise<ClaimedJobRow | null> {
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
    },

    async renewLease(id: string) {
      await db.updateTable('jobs').set({ locked_until: at(leaseMs) }).where('id', '=', id).where('locked_by', '=', workerId).execute();
    },

    async finish(id: string, status: 'done' | 'failed', lastError: string | null) {
      const now = isoNow(clock);
      await db
        .updateTable('jobs')
        .set({ status, finished_at: now, updated_at: now, locked_by: null, locked_until: null, ...(status === 'failed' ? { last_error: lastError } : {}) })
        .where('id', '=', id)
        .execute();
    },

    /** Back in the queue after a failed attempt, due in `delayMs`. */
    async retryIn(id: string, delayMs: number, lastError: string) {
      await db
        .updateTable('jobs')
        .set({ status: 'queued', run_at: at(delayMs), locked_by: null, locked_until: null, last_error: lastError, updated_at: isoNow(clock) })
        .where('id', '=', id)
        .execute();
    },

    /** Jobs left running by a previous process lose their lease at once, so they are claimed again. */
    async releaseRunning() {
      await db.updateTable('jobs').set({ locked_until: isoNow(clock) }).where('status', '=', 'running').execute();
    },

    /** A new queued job, or the id of the one already queued or running with the same dedupe key. */
    async insert(name: string, data: unknown, o: EnqueueOptions, defaultMaxAttempts: number): Promise<string> {
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
          max_attempts: o.maxAttempts ?? defaultMaxAttempts, run_at: at(o.delayMs ?? 0), locked_by: null, locked_until: null,
          last_error: null, created_at: now, updated_at: now, finished_at: null,
        })
        .execute();
      return id;
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

    async describe(dedupeKey: string): Promise<JobStateView | null> {
      const row = await db
        .selectFrom('jobs')
        .select(['id', 'name', 'status', 'attempts', 'max_attempts', 'run_at', 'last_error'])
        .where('dedupe_key', '=', dedupeKey)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? { id: row.id, name: row.name, status: row.status, attempts: row.attempts, maxAttempts: row.max_attempts, runAt: row.run_at, lastError: row.last_error } : null;
    },
  };
}

export type JobTable = ReturnType<typeof createJobTable>;
