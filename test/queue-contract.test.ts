import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/adapters/clock';
import { type OpenDatabase, openDatabase } from '../src/adapters/db/database';
import { createBullmqQueue } from '../src/adapters/queue/bullmq-queue';
import { createDatabaseQueue } from '../src/adapters/queue/database-queue';
import type { JobCatalogue } from '../src/jobs/catalogue';
import { type JobHandler, type JobQueue, RetryLater } from '../src/jobs/queue';
import { redisUrl } from './support/services';
import { waitFor } from './support/wait';

// One contract for both queues behind the JobQueue port: the durable queue in the database (here on SQLite) and
// BullMQ on Redis. Every wait is for a handler's call or for the queue to fall idle.

const logger = pino({ level: 'silent' });

interface QueueSettings {
  maxAttempts?: number;
  backoffMs?: number;
}

interface QueueBackend {
  /** A queue object over this test's store; several calls make several objects over the same jobs (a restart). */
  queue(settings?: QueueSettings): JobQueue;
  dispose(): Promise<void>;
}

type BackendFactory = () => Promise<QueueBackend>;

const databaseBackend: BackendFactory = async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-queue-contract-'));
  const database: OpenDatabase = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'aula.db') });
  return {
    queue: (s = {}) =>
      createDatabaseQueue({ db: database.db, clock: systemClock, logger, concurrency: 1, maxAttempts: s.maxAttempts ?? 3, backoffMs: s.backoffMs ?? 20, pollMs: 20, soleWorker: true }),
    async dispose() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** A Redis database of its own, emptied for each test, so other test files' queues never meet these jobs. */
const bullmqBackend: BackendFactory = async () => {
  const url = new URL(redisUrl!);
  url.pathname = '/9';
  const redis = new Redis(url.toString());
  await redis.flushdb();
  return {
    queue: (s = {}) => createBullmqQueue({ redisUrl: url.toString(), logger, concurrency: 1, maxAttempts: s.maxAttempts ?? 3, backoffMs: s.backoffMs ?? 20 }),
    async dispose() {
      await redis.flushdb();
      redis.disconnect();
    },
  };
};

const BACKENDS: [string, BackendFactory | null][] = [
  ['the database queue on SQLite', databaseBackend],
  ['the BullMQ queue on Redis', redisUrl ? bullmqBackend : null],
];

/** Resolves when the handler has been called `times` times, with every call's data and context. */
function recordingHandler<N extends keyof JobCatalogue>(times: number, behave: (attempt: number) => Promise<void> | void = () => undefined) {
  const calls: { data: JobCatalogue[N]; attempt: number; maxAttempts: number; jobId: string; at: number }[] = [];
  let reached!: () => void;
  const done = new Promise<void>((resolve) => (reached = resolve));
  const handler: JobHandler<N> = {
    async run(data, ctx) {
      calls.push({ data, attempt: ctx.attempt, maxAttempts: ctx.maxAttempts, jobId: ctx.jobId, at: Date.now() });
      if (calls.length >= times) reached();
      await behave(ctx.attempt);
      return { outcome: 'done' };
    },
  };
  return { handler, calls, done };
}

async function waitUntilIdle(queue: JobQueue): Promise<void> {
  await waitFor('the queue to be idle', async () => {
    const counts = await queue.countByState();
    return counts.every((c) => c.state === 'failed' || c.count === 0);
  }, 20_000, 20);
}

async function failedCount(queue: JobQueue): Promise<number> {
  return (await queue.countByState()).filter((c) => c.state === 'failed').reduce((sum, c) => sum + c.count, 0);
}

describe.each(BACKENDS)('%s', (_name, makeBackend) => {
  let backend: QueueBackend;
  const queues: JobQueue[] = [];
  const test = makeBackend ? it : it.skip;
  const open = (settings?: QueueSettings) => {
    const queue = backend.queue(settings);
    queues.push(queue);
    return queue;
  };

  beforeEach(async () => {
    if (makeBackend) backend = await makeBackend();
  });
  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.stop();
    await backend?.dispose();
  });

  test('an enqueued job is handled once with its id-only payload, then the queue falls idle', async () => {
    const queue = open();
    const seen = recordingHandler<'process-recording'>(1);
    queue.start({ 'process-recording': seen.handler });
    const id = await queue.enqueue('process-recording', { recordingId: 'rec-1' });
    await seen.done;
    await waitUntilIdle(queue);
    expect(seen.calls).toEqual([expect.objectContaining({ data: { recordingId: 'rec-1' }, attempt: 1, maxAttempts: 3, jobId: id })]);
    expect(await failedCount(queue)).toBe(0);
  });

  test('a failing attempt is tried again after a backoff, counting attempts, until one succeeds', async () => {
    const queue = open({ maxAttempts: 5, backoffMs: 20 });
    const seen = recordingHandler<'lti-post-score'>(3, (attempt) => {
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
    });
    queue.start({ 'lti-post-score': seen.handler });
    await queue.enqueue('lti-post-score', { scoreId: 'score-1' });
    await seen.done;
    await waitUntilIdle(queue);
    expect(seen.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(seen.calls.every((c) => c.maxAttempts === 5 && c.data.scoreId === 'score-1')).toBe(true);
    expect(await failedCount(queue)).toBe(0);
  });

  test('RetryLater sets when the next attempt runs, instead of the usual backoff', async () => {
    // An ordinary failure would wait about a minute: the second attempt arriving soon proves RetryLater's delay ruled.
    const queue = open({ maxAttempts: 3, backoffMs: 60_000 });
    const seen = recordingHandler<'process-recording'>(2, (attempt) => {
      if (attempt === 1) throw new RetryLater(300, 'rate limited');
    });
    queue.start({ 'process-recording': seen.handler });
    await queue.enqueue('process-recording', { recordingId: 'rec-2' });
    await seen.done;
    const waited = seen.calls[1]!.at - seen.calls[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(20_000);
  });

  test('a job that fails every attempt is reported once to onExhausted and counted as failed', async () => {
    const queue = open({ maxAttempts: 2, backoffMs: 10 });
    const exhausted: { data: JobCatalogue['process-recording']; message: string }[] = [];
    let told!: () => void;
    const toldOnce = new Promise<void>((resolve) => (told = resolve));
    queue.start({
      'process-recording': {
        run: async () => {
          throw new Error('the source is unreadable');
        },
        onExhausted: async (data, error) => {
          exhausted.push({ data, message: error.message });
          told();
        },
      },
    });
    await queue.enqueue('process-recording', { recordingId: 'rec-3' });
    await toldOnce;
    await waitFor('the job to count as failed', async () => (await failedCount(queue)) === 1, 20_000, 20);
    expect(exhausted).toEqual([{ data: { recordingId: 'rec-3' }, message: 'the source is unreadable' }]);
  });

  test('a second job with the dedupe key of one still queued adds nothing, and the queue describes the first', async () => {
    const queue = open();
    const first = await queue.enqueue('process-recording', { recordingId: 'rec-4' }, { dedupeKey: 'recording:rec-4', delayMs: 200 });
    await queue.enqueue('process-recording', { recordingId: 'rec-4' }, { dedupeKey: 'recording:rec-4' });
    expect(await queue.describe('recording:rec-4')).toMatchObject({ id: first, name: 'process-recording', status: 'queued', attempts: 0, maxAttempts: 3 });
    expect(await queue.describe('recording:nothing')).toBeNull();
    const seen = recordingHandler<'process-recording'>(1);
    queue.start({ 'process-recording': seen.handler });
    await seen.done;
    await waitUntilIdle(queue);
    expect(seen.calls.map((c) => c.jobId)).toEqual([first]);
  });

  test('a finished job is still described: done, or failed with why, and a later job of the same key replaces it', async () => {
    const queue = open({ maxAttempts: 1, backoffMs: 10 });
    let exhausted!: () => void;
    const failedForGood = new Promise<void>((resolve) => (exhausted = resolve));
    queue.start({
      'process-recording': {
        run: async (data) => {
          if (data.recordingId === 'rec-bad') throw new Error('the source is unreadable');
          return { outcome: 'done' };
        },
        onExhausted: async () => exhausted(),
      },
    });
    const good = await queue.enqueue('process-recording', { recordingId: 'rec-5' }, { dedupeKey: 'recording:rec-5' });
    await waitFor('the job to be described as done', async () => (await queue.describe('recording:rec-5'))?.status === 'done', 20_000, 20);
    expect(await queue.describe('recording:rec-5')).toMatchObject({ id: good, status: 'done', attempts: 1, lastError: null });

    const bad = await queue.enqueue('process-recording', { recordingId: 'rec-bad' }, { dedupeKey: 'recording:rec-5' });
    expect(bad).not.toBe(good);
    await failedForGood;
    await waitFor('the job to be described as failed', async () => (await queue.describe('recording:rec-5'))?.status === 'failed', 20_000, 20);
    expect(await queue.describe('recording:rec-5')).toMatchObject({ id: bad, status: 'failed', attempts: 1, lastError: 'the source is unreadable' });
  });

  test('a job enqueued before a restart is handled by the queue object that replaces the stopped one', async () => {
    const before = open();
    const id = await before.enqueue('lti-post-score', { scoreId: 'score-2' });
    await before.stop();
    const after = open();
    const seen = recordingHandler<'lti-post-score'>(1);
    after.start({ 'lti-post-score': seen.handler });
    await seen.done;
    await waitUntilIdle(after);
    expect(seen.calls).toEqual([expect.objectContaining({ jobId: id, data: { scoreId: 'score-2' }, attempt: 1 })]);
  });
});
