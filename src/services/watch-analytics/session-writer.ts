import { isoNow } from '../../adapters/clock';
import type { LiveWatchSession } from '../../adapters/watch/watch-session-store';
import type { RecordingInfo } from './recording-info';
import type { WatchAnalyticsDeps } from './types';

/**
 * Heartbeats update session state in the store and are written in batches (every `flushMs`), so a class of students
 * costs a few transactions a second rather than one write per heartbeat.
 */
export function createSessionWriter(deps: Pick<WatchAnalyticsDeps, 'watch' | 'sessions' | 'clock' | 'logger' | 'flushMs'>, info: RecordingInfo) {
  const { sessions } = deps;
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  /** Writes every changed session (of any process, when the store is shared) and the totals they change. */
  function flush(): Promise<void> {
    flushing = flushing.then(flushNow, flushNow);
    return flushing;
  }
  async function flushNow(): Promise<void> {
    timer = null;
    for (;;) {
      let batch: LiveWatchSession[] = [];
      try {
        batch = await sessions.takeChanged(500);
        if (batch.length === 0) return;
        for (const s of batch) if (!info.known(s.recordingId)) await info.infoOf(s.recordingId);
        await deps.watch.saveSessions(batch, info.knownDuration, isoNow(deps.clock));
      } catch (err) {
        deps.logger.error({ err, sessions: batch.length }, 'saving watch progress failed; will retry');
        await sessions.markChanged(batch.map((b) => b.id)).catch(() => undefined);
        return;
      }
    }
  }
  // Sessions changed by a process that stopped before writing them are written by the others.
  const sweep = setInterval(() => void flush().catch(() => undefined), 5_000);
  sweep.unref();

  return {
    flush,
    /** A batch write soon, unless one is already due. */
    scheduleFlush() {
      timer ??= setTimeout(() => void flush(), deps.flushMs ?? 1_000);
    },
    async close() {
      if (timer) clearTimeout(timer);
      clearInterval(sweep);
      await flush();
      await sessions.close();
    },
  };
}

export type SessionWriter = ReturnType<typeof createSessionWriter>;
