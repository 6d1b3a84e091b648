/**
 * Every job Aula runs, with its id-only payload. Handlers reload what they need and return quietly
 * when the thing is gone; they throw only what should be retried.
 */
export interface JobCatalogue {
  'process-recording': { recordingId: string };
  'purge-deleted-media': Record<string, never>;
  /** A provider event kept in the inbox whose handling failed or was cut short; handled again from there. */
  'handle-provider-event': { inboxId: string };
  /** Finds inbox deliveries a crash left unhandled and queues them. */
  'sweep-provider-inbox': Record<string, never>;
  /**
   * One segment of a Zoom cloud recording: Zoom's meeting id (the class's `providerMeetingId`), the meeting instance's
   * UUID, and the id of the segment's MP4 (or M4A), whose recording's external reference is `zoom:{id}`. `inboxId` is
   * the delivery that announced it, whose download token a first attempt uses; absent for a sync.
   */
  'zoom.import-recording': { accountId: string; meetingId: string; meetingUuid: string; recordingFileId: string; inboxId: string | null };
  /** Zoom's audio transcript, finished after the recording, becomes the captions of the segment's Aula recording. */
  'zoom.import-captions': { accountId: string; meetingId: string; meetingUuid: string; transcriptFileId: string; inboxId: string | null };
  /** LiveKit egress for one recording: started, checked once it should be active, stopped, imported when complete. */
  'livekit.start-egress': { recordingId: string };
  'livekit.check-egress': { recordingId: string };
  'livekit.stop-egress': { recordingId: string };
  'livekit.import-egress': { recordingId: string };
  /** Compares LiveKit recordings still waiting for their egress with ListEgress (webhooks get lost). */
  'livekit.reconcile': Record<string, never>;
  /** Reads an LTI context's memberships (NRPS) into its batch. */
  'lti-sync-roster': { contextId: string };
  /** Hourly: one roster sync per LTI context that has a roster service. */
  'lti-sync-rosters': Record<string, never>;
  /** Posts a student's watched percentage of a lesson as an AGS score. */
  'lti-post-score': { scoreId: string };
  /** A Stream video (a broadcast of a live input) becomes its Aula recording: imported, or attached where it stays on Cloudflare. */
  'cloudflare.import-video': { accountId: string; videoUid: string };
  /** After a live input disconnects, its videos are polled until ready: Cloudflare does not promise their webhook. */
  'cloudflare.poll-input': { liveClassId: string };
  /** RealtimeKit recording of an Aula recording: started and stopped on Aula's command. */
  'cloudflare.start-recording': { recordingId: string };
  'cloudflare.stop-recording': { recordingId: string };
  /** A RealtimeKit recording that was uploaded becomes (or feeds) its Aula recording; `inboxId` is the webhook that announced it. */
  'cloudflare.import-rtk': { accountId: string; rtkRecordingId: string; inboxId: string | null };
}

export type JobName = keyof JobCatalogue;

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

export interface JobStateView {
  id: string;
  name: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
}

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
