import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import { rungNameFor } from '../../../domain/media/ladder';
import type { RecordableRoom } from '../../live-room';
import type { Actor } from '../../recordings';
import { Capture } from './capture';
import { captureFiles, captureKeys, exists } from './capture-files';
import { finishLadder } from './ladder-finish';
import { publishFinal } from './publish';
import { recoverOne } from './recovery';
import { type CaptureMeta, DEFAULT_OPTIONS, type LiveRecorder, type LiveRecorderDeps, type LiveRecorderOptions } from './types';

const RECOVERY_STALE_MS = 60_000;

/**
 * Records a native live class while it happens. The room's encoded frames (VP8 camera and screen, Opus
 * microphones) are written, stamped on one clock, into a live Matroska stream on FFmpeg's stdin; FFmpeg
 * composes camera and screen (camera as picture-in-picture while a screen is shared), mixes the
 * microphones and writes H.264/AAC HLS segments as the class goes on. Each finished segment is uploaded
 * at once, with the playlist, so ending the class only finalises the playlist: the recording is ready
 * within seconds however long the class was. A source file for the full pipeline grows alongside.
 */
export function createLiveRecorder(deps: LiveRecorderDeps): LiveRecorder {
  return new LiveRecorderService(deps, { ...DEFAULT_OPTIONS, ...(deps.options ?? {}) });
}

class LiveRecorderService implements LiveRecorder {
  private readonly captures = new Map<string, Capture>();
  private readonly recovering = new Set<string>();
  private closed = false;
  private recoveryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: LiveRecorderDeps,
    private readonly options: LiveRecorderOptions,
  ) {}

  async start(room: RecordableRoom, recording: { id: string; startedAt: string; paused: boolean }): Promise<void> {
    const { deps, options, captures } = this;
    if (this.closed || captures.has(recording.id) || this.recovering.has(recording.id)) return;
    const rendition = rungNameFor(options.height);
    const meta: CaptureMeta = { recordingId: recording.id, liveClassId: room.liveClassId, startedAt: recording.startedAt, t0: Date.now(), rendition, width: options.width, height: options.height };
    const files = captureFiles(path.join(deps.workDir, recording.id));
    // A capture cannot continue another's segments: an interrupted recording is recovery's to finish.
    if ((await exists(files.meta)) || (await deps.storage.stat(captureKeys(recording.id, rendition).playlist))) {
      deps.logger.warn({ recordingId: recording.id }, 'this recording was being captured before; it is left to recovery');
      return;
    }
    await mkdir(files.hlsDir, { recursive: true });
    await writeFile(files.meta, JSON.stringify(meta));
    if (this.closed || captures.has(recording.id)) return;
    const capture = new Capture(meta, files.dir, room, deps, options, recording.paused);
    captures.set(recording.id, capture);
    capture.log.info({ rendition }, 'live recording started');
  }

  owns(recordingId: string): boolean {
    return this.captures.has(recordingId);
  }

  finish(recordingId: string, actor: Actor, reason: string): Promise<RecordingRecord> {
    const capture = this.captures.get(recordingId);
    if (!capture) return this.deps.recordings.stop(actor, recordingId, reason);
    capture.stopping ??= this.finishCapture(capture, actor, reason).catch((err: unknown) => {
      capture.stopping = null;
      throw err;
    });
    return capture.stopping;
  }

  async recoverInterrupted(): Promise<number> {
    const { deps } = this;
    const items = await deps.recordingsRepo.list({ batchIds: null, statuses: ['recording'], limit: 500 });
    let recovered = 0;
    for (const rec of items) {
      if (rec.liveClass.provider !== 'native' || this.captures.has(rec.id) || this.recovering.has(rec.id)) continue;
      if (!deps.soleProcess && !(await this.silentForAWhile(rec))) continue;
      this.recovering.add(rec.id);
      try {
        await recoverOne(deps, this.options, rec);
        recovered++;
      } catch (err) {
        deps.logger.error({ err, recordingId: rec.id }, 'could not recover an interrupted live recording');
      } finally {
        this.recovering.delete(rec.id);
      }
    }
    if (!deps.soleProcess && !this.closed && !this.recoveryTimer) {
      this.recoveryTimer = setInterval(() => void this.recoverInterrupted().catch((err: unknown) => deps.logger.error({ err }, 'live recording recovery failed')), RECOVERY_STALE_MS);
      this.recoveryTimer.unref();
    }
    if (recovered) deps.logger.info({ recovered }, 'interrupted live recordings made playable');
    return recovered;
  }

  /** Finishes every capture (their recordings become playable) and stops. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    await Promise.allSettled(
      [...this.captures.keys()].map((id) =>
        this.finish(id, 'system', 'Aula shut down during the class').catch((err: unknown) => this.deps.logger.error({ err, recordingId: id }, 'could not finish a live recording on shutdown')),
      ),
    );
  }

  /** Another process may still be recording it: only a capture silent for a while is taken over. */
  private async silentForAWhile(rec: RecordingRecord): Promise<boolean> {
    const keys = captureKeys(rec.id, rungNameFor(this.options.height));
    const info = await this.deps.storage.stat(keys.playlist);
    const last = info ? info.lastModified.getTime() : Date.parse(rec.startedAt);
    return Date.now() - last >= RECOVERY_STALE_MS;
  }

  private async finishCapture(capture: Capture, actor: Actor, reason: string): Promise<RecordingRecord> {
    const started = Date.now();
    const { recordingId } = capture.meta;
    const { segments, endedAt, ladder, ladderLive } = await capture.end();
    this.captures.delete(recordingId);
    if (segments.length === 0) {
      await ladder;
      capture.log.warn('the live encoder produced nothing; the recording is handed to processing without media');
      return this.deps.recordings.stop(actor, recordingId, reason);
    }
    const files = captureFiles(capture.dir);
    const outputs = ladderLive
      ? await finishLadder(this.deps, {
        recordingId, dir: capture.dir, durationSeconds: segments.reduce((sum, s) => sum + s.durationSeconds, 0), topSegmentCount: segments.length,
        ladder, sourcePath: files.source, chatPath: files.chat, log: capture.log,
      })
      : null;
    const outcome = await ladder;
    const rec = await publishFinal(this.deps, this.options, {
      recordingId, rendition: capture.meta.rendition, segments, sourcePath: files.source, chatPath: files.chat,
      chatAlreadyStored: false, probed: capture.probed, endedAt, actor, reason, log: capture.log,
      ladder: outputs, ladderNote: outcome.kind === 'stopped' ? outcome.reason : null,
    });
    await rm(capture.dir, { recursive: true, force: true });
    capture.log.info({ secondsToPlayable: (Date.now() - started) / 1000 }, 'live recording finished');
    return rec;
  }
}
