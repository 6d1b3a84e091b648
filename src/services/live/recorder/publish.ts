import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import { buildLivePlaylist, buildMasterPlaylist, type LiveSegment, measureBandwidth } from '../../../domain/media/hls';
import { CONTENT_TYPES, renditionUri } from '../../../domain/media/recording-layout';
import type { RecordingMedia, RecordingMetadata } from '../../../domain/recording-media';
import type { Actor } from '../../recordings';
import { captureKeys, exists, probeSegment } from './capture-files';
import type { LadderOutputs } from './ladder-finish';
import { DEFAULT_CODECS, type LiveRecorderDeps, type LiveRecorderOptions, type ProbedRendition } from './types';

export interface FinalCapture {
  recordingId: string;
  rendition: string;
  segments: LiveSegment[];
  sourcePath: string | null;
  chatPath: string | null;
  chatAlreadyStored: boolean;
  probed: ProbedRendition | null;
  endedAt: string;
  actor: Actor;
  reason: string;
  log: Logger;
  /** What the live ladder made at the end of the class; null when the pipeline makes the other renditions. */
  ladder?: LadderOutputs | null | undefined;
  /** Why the live ladder did not make everything, for the recording's history. */
  ladderNote?: string | null | undefined;
}

/** A class whose ladder was not made live: only the top rung; processing makes the rest. */
const NOTHING_MADE_LIVE: LadderOutputs = { renditions: [], posterKey: null, spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, missing: [] };

export type PublishDeps = Pick<LiveRecorderDeps, 'storage' | 'recordings' | 'probe' | 'workDir'>;

/**
 * Final playlist and master, source and chat in storage, then the recording is ready. With the whole ladder made
 * live it is complete; otherwise (or when something is missing) the pipeline is queued to make the rest.
 */
export async function publishFinal(deps: PublishDeps, options: LiveRecorderOptions, input: FinalCapture): Promise<RecordingRecord> {
  const { storage } = deps;
  const keys = captureKeys(input.recordingId, input.rendition);
  const { peak, average } = measureBandwidth(input.segments.map((s) => ({ durationSeconds: s.durationSeconds, sizeBytes: s.bytes })));
  let probed = input.probed;
  const first = input.segments[0];
  if (!probed && first) {
    const local = await storage.localPathFor(keys.segment(first.uri), path.join(deps.workDir, input.recordingId)).catch(() => null);
    if (local) {
      probed = await probeSegment(deps.probe, local.path, input.log);
      await local.cleanup();
    }
  }
  const { codecs, width, height } = probed ?? { codecs: DEFAULT_CODECS, width: options.width, height: options.height };
  await storage.putBuffer(keys.playlist, buildLivePlaylist(input.segments, true), CONTENT_TYPES.m3u8);
  const ladder = input.ladder ?? null;
  const followed = ladder?.renditions ?? [];
  const top = { name: input.rendition, width, height, bandwidth: peak, averageBandwidth: average, codecs, playlistKey: keys.playlist };
  const entries = [top, ...followed].map((r) => ({ uri: renditionUri(r.name), bandwidth: r.bandwidth, averageBandwidth: r.averageBandwidth, width: r.width, height: r.height, codecs: r.codecs }));
  await storage.putBuffer(keys.master, buildMasterPlaylist(entries), CONTENT_TYPES.m3u8);
  const chatToUpload = input.chatPath && (await exists(input.chatPath)) ? input.chatPath : null;
  const chatKey: string | null = input.chatAlreadyStored || chatToUpload ? keys.chat : null;
  const sourceSize = input.sourcePath ? (await stat(input.sourcePath)).size : input.segments.reduce((sum, s) => sum + s.bytes, 0);
  const durationSeconds = Math.round(input.segments.reduce((sum, s) => sum + s.durationSeconds, 0) * 1000) / 1000;
  const { renditions: _followed, missing: _missing, ...outputs } = ladder ?? NOTHING_MADE_LIVE;
  const media: RecordingMedia = { masterKey: keys.master, renditions: [top, ...followed].map(({ averageBandwidth: _, ...r }) => r), ...outputs, captionsVttKey: null };
  const complete = ladder !== null && ladder.missing.length === 0;
  const metadata: RecordingMetadata = { durationSeconds, width, height, videoCodec: 'h264', audioCodec: 'aac', bitRate: average, sizeBytes: sourceSize };
  const readyReason = readyReasonOf(input.rendition, ladder, input.ladderNote ?? null);
  const rec = await deps.recordings.finishLive(input.recordingId, input.actor, input.reason, { media, metadata, sourceKey: keys.source, sourceSize, chatKey, endedAt: input.endedAt, complete, readyReason });
  input.log.info({ durationSeconds, segments: input.segments.length, renditions: media.renditions.length, complete }, readyReason);
  // Playable already; the source (a rename on local storage, an upload on S3) and chat follow, then the pipeline.
  if (chatToUpload) await storage.putFile(keys.chat, chatToUpload, CONTENT_TYPES.chatLog);
  if (input.sourcePath) await storage.putFile(keys.source, input.sourcePath, CONTENT_TYPES.ts);
  if (!complete) await deps.recordings.queueLiveProcessing(input.recordingId);
  return rec;
}

/** The recording's history says what the class ended with, and why anything is left to processing. */
function readyReasonOf(rendition: string, ladder: LadderOutputs | null, note: string | null): string {
  if (ladder && ladder.missing.length === 0) return 'live recording ready with every rendition, the poster, the seek thumbnails and the download, all made during the class';
  if (ladder) return `live recording playable; processing makes what the class could not finish (${ladder.missing.join(', ')})`;
  return `live recording playable in ${rendition} only; processing makes the other renditions, the images and the download${note ? `: ${note}` : ''}`;
}
