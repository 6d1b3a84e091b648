import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ffmpegRunner, type MediaToolsCheck } from './adapters/media/ffmpeg-process';
import type { AppConfig } from './config';
import type { HttpApp } from './http/app';
import { type DemoWorkspace, seedDemoWorkspace } from './services/demo';
import { createDemoRecording } from './services/demo-media';
import type { LiveRecorder } from './services/live/recorder';
import { wireClasses } from './wiring/classes';
import { type AulaOptions, openFoundation } from './wiring/foundation';
import { startJobs } from './wiring/jobs';
import { wireLiveRecorder, wireLiveRooms } from './wiring/live';
import { createRoutes } from './wiring/routes';
import { wireViewing } from './wiring/viewing';

export type { AulaOptions } from './wiring/foundation';
export { AULA_VERSION } from './wiring/routes';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Aula {
  config: AppConfig;
  /** FFmpeg as found at start; without it nothing can be processed, and Aula says so. */
  media: MediaToolsCheck;
  http: HttpApp;
  logger: Logger;
  /** Set when this start created the demo workspace. */
  demo: DemoWorkspace | null;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The composition root: each area wired by constructor arguments (see `src/wiring/`), then started. */
export async function createAula(config: AppConfig, options: AulaOptions = {}): Promise<Aula> {
  const f = await openFoundation(config, options);
  const { logger } = f;
  // Recordings stop native captures through the recorder, which is built from recordings: reached by getter.
  let liveRecorder: LiveRecorder | undefined;
  const classes = wireClasses(f, { liveCapture: () => liveRecorder! });
  liveRecorder = wireLiveRecorder(f, classes);
  const recorder = liveRecorder;
  const viewing = wireViewing(f, classes);
  const stopTimers = await startJobs(f, classes, viewing);

  let demo: DemoWorkspace | null = null;
  const demoAbort = new AbortController();
  let demoMedia: Promise<unknown> = Promise.resolve();
  if (config.demo && (await f.identity.countUsers()) === 0) {
    demo = await seedDemoWorkspace({ identity: f.identity, catalog: f.catalog, liveClasses: classes.liveClasses, logger });
    // Generated in the background so the server answers at once; the recording appears when processed.
    // Without FFmpeg there is no demo recording at all, rather than one that fails.
    const liveClassId = demo.liveClassId;
    if (f.media.available) demoMedia = createDemoRecording({ recordings: classes.recordings, ffmpeg: ffmpegRunner, liveClassId, workDir: path.join(f.scratchDir, 'demo'), logger, signal: demoAbort.signal }).catch((err: unknown) => {
      if (!demoAbort.signal.aborted) logger.error({ err }, 'could not create the demo recording');
    });
  }

  const { sfu, rooms, hosts } = wireLiveRooms(f, classes, viewing, recorder);
  const http = await createRoutes(f, classes, viewing, rooms, path.join(projectRoot, 'web', 'dist'));
  void recorder.recoverInterrupted().catch((err: unknown) => logger.error({ err }, 'could not recover interrupted live recordings'));
  void rooms.resumeLiveClasses().catch((err: unknown) => logger.error({ err }, 'could not resume live classes'));
  viewing.notifications.start();

  let closed = false;
  return {
    config,
    media: f.media,
    http,
    logger,
    demo,
    async listen() {
      return http.listen({ port: config.port, host: config.host });
    },
    async close() {
      if (closed) return;
      closed = true;
      await rooms.close();
      await hosts.close();
      await recorder.close();
      await sfu.close();
      stopTimers();
      viewing.lti.close();
      demoAbort.abort();
      await demoMedia;
      // In-flight requests get a few seconds; a client that stopped reading a media body must not hold shutdown forever.
      const forceClose = setTimeout(() => http.server.closeAllConnections(), 5_000);
      await http.close();
      clearTimeout(forceClose);
      await f.queue.stop();
      await viewing.notifications.close();
      await f.sidecarText.close();
      await viewing.analytics.close();
      await viewing.audit.close();
      viewing.playback.close();
      viewing.liveAudience.close();
      await f.feed.close();
      await f.database.close();
      f.logDestination?.flushSync();
    },
  };
}
