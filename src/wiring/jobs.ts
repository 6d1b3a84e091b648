import path from 'node:path';
import { ffmpegRunner } from '../adapters/media/ffmpeg-process';
import { probeMedia } from '../adapters/media/ffprobe';
import { removeOrphanedScratch } from '../adapters/scratch';
import { processRecordingHandler } from '../jobs/handlers/process-recording';
import { withAttemptCounting } from '../jobs/queue';
import { createMediaProcessor } from '../services/media-processor';
import { trimRecordingHandler } from '../services/recording-trim/precise-cut';
import { createTrimMedia } from '../services/recording-trim/trim-media';
import type { Classes } from './classes';
import type { Foundation } from './foundation';
import type { Viewing } from './viewing';

const SCRATCH_AREAS = ['jobs', 'uploads', 'zoom', 'livekit', 'cloudflare', 'trim'];

/** Every job handler on the queue, and the timers that schedule the periodic ones; returns how to stop the timers. */
export async function startJobs(f: Foundation, classes: Classes, viewing: Viewing): Promise<() => void> {
  const { queue, logger, scratchDir, metrics, recordingsRepo } = f;
  for (const dir of SCRATCH_AREAS) {
    const removed = await removeOrphanedScratch(path.join(scratchDir, dir), { soleProcess: f.soleProcess });
    if (removed) logger.info({ dir, removed }, 'removed work files left by an earlier run');
  }
  const processor = createMediaProcessor({
    storage: f.storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir: path.join(scratchDir, 'jobs'), logger, sidecarText: f.sidecarText,
    onFfmpegRun: (stage, media, wall) => metrics.ffmpegRun(stage, media, wall),
  });
  const { recordings, intake } = classes;
  queue.start(withAttemptCounting({
    'process-recording': processRecordingHandler({ recordings, repo: recordingsRepo, processor, logger }),
    'trim-recording': trimRecordingHandler({
      repo: recordingsRepo, storage: f.storage, readText: f.readText, announce: recordings.announce, clock: f.clock, logger,
      media: createTrimMedia({ storage: f.storage, ffmpeg: ffmpegRunner, processor, scratch: f.jobScratch('trim') }),
    }),
    ...Object.assign({}, ...classes.providerModules.map((m) => m.jobs)),
    'handle-provider-event': intake.handleEventJob,
    'sweep-provider-inbox': { run: async () => ({ outcome: 'done', detail: `queued ${await intake.sweep()}` }) },
    'purge-deleted-media': { run: async () => ({ outcome: 'done', detail: `purged ${await recordings.purgeExpiredMedia()}` }) },
    ...viewing.lti.handlers,
  }, (job, outcome) => metrics.jobAttempt(job, outcome)));

  const every = (job: 'purge-deleted-media' | 'sweep-provider-inbox' | 'livekit.reconcile', ms: number, now: boolean) => {
    // The dedupe key keeps several processes from stacking runs.
    const schedule = () => void queue.enqueue(job, {}, { dedupeKey: job }).catch((err: unknown) => logger.error({ err, job }, 'could not schedule a periodic job'));
    if (now) schedule();
    const timer = setInterval(schedule, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    // Retention runs at start and then hourly.
    every('purge-deleted-media', 3_600_000, true),
    every('sweep-provider-inbox', 300_000, true),
    // LiveKit webhooks get lost: recordings still waiting for their egress are compared with LiveKit's own list.
    every('livekit.reconcile', f.config.livekit.reconcileSeconds * 1000, false),
  ];
  return () => timers.forEach(clearInterval);
}
