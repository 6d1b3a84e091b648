import type { Logger } from 'pino';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { ReadJsonLines } from '../../../adapters/json-lines';
import type { FfmpegRunner } from '../../../adapters/media/ffmpeg-process';
import type { ProbeMedia } from '../../../adapters/media/ffprobe';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import type { LiveEncodeOptions } from '../../../domain/media/ffmpeg-args/live';
import type { LiveSegment } from '../../../domain/media/hls';
import type { LiveLadderMode } from '../../../domain/media/live-ladder';
import type { RoomRecorderPort } from '../../live-room';
import type { LiveCapture, RecordingService } from '../../recordings';

/** How the recorder encodes: the live encode's settings, less what each capture decides for itself. */
export type LiveRecorderOptions = Omit<LiveEncodeOptions, 'hlsDir' | 'audioInputs'>;

export const DEFAULT_OPTIONS: LiveRecorderOptions = { width: 1280, height: 720, fps: 25, preset: 'veryfast', crf: 23, maxKbps: 2500, audioKbps: 128 };

export interface LiveRecorderDeps {
  storage: MediaStorage;
  recordings: Pick<RecordingService, 'finishLive' | 'queueLiveProcessing' | 'stop'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'list'>;
  /** Starts the live encoder of each capture; runs the live ladder's short steps. */
  ffmpeg: Pick<FfmpegRunner, 'start' | 'run'>;
  /** Reads a first segment's codecs and size for the master playlist. */
  probe: ProbeMedia;
  /** Reads a capture's segment journal after a crash. */
  readJournal: ReadJsonLines;
  /** Local folder of recordings in progress: `<dir>/<recordingId>/`. */
  workDir: string;
  logger: Logger;
  /** Only this process records (SQLite): an unfinished capture at start belongs to a process that died. */
  soleProcess: boolean;
  options?: Partial<LiveRecorderOptions> | undefined;
  /** `full` (default): the whole ladder, images and download made during the class; `top`: the top rung only. */
  ladder?: LiveLadderMode | undefined;
  /** Told the pace of each live ladder run (stage `live-ladder`): media and wall seconds, for the realtime-factor metric. */
  onFfmpegRun?: ((stage: string, mediaSeconds: number, wallSeconds: number) => void) | undefined;
}

export interface LiveRecorder extends RoomRecorderPort, LiveCapture {
  /** Turns captures a dead process left behind into playable recordings. Returns how many. */
  recoverInterrupted(): Promise<number>;
  /** Finishes every capture (their recordings become playable) and stops. Idempotent. */
  close(): Promise<void>;
}

/** What a capture notes in its folder when it starts (`capture.json`), so recovery knows what it was. */
export interface CaptureMeta {
  recordingId: string;
  liveClassId: string;
  startedAt: string;
  t0: number;
  rendition: string;
  width: number;
  height: number;
}

/** One line of the segment journal: a segment uploaded, and how much of the growing source is whole after it. */
export interface JournalLine extends LiveSegment {
  sourceBytes: number;
}

/** Codecs and size of a capture's first segment, for the master playlist. */
export interface ProbedRendition {
  codecs: string;
  width: number | null;
  height: number | null;
}

export const DEFAULT_CODECS = 'avc1.64001f,mp4a.40.2';
