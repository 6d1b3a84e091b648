import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RecordingRecord } from '../../../adapters/db/recording-repository';
import { buildLivePlaylist, buildMasterPlaylist, type LiveSegment, measureBandwidth } from '../../../domain/media/hls';
import { CONTENT_TYPES, renditionUri } from '../../../domain/media/recording-layout';
import type { RecordingMedia, RecordingMetadata } from '../../../domain/recording-media';
import type { Actor } from '../../recordings';
import { captureKeys, exists, probeSegment } from './capture-files';
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
}

export type PublishDeps = Pick<LiveRecorderDeps, 'storage' | 'recordings' | 'probe' | 'workDir'>;

/** Final playlist and master, source and chat in storage, then the recording is ready and the pipeline queued. */
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
  await storage.putBuffer(keys.master, buildMasterPlaylist([{ uri: renditionUri(input.rendition), bandwidth: peak, averageBandwidth: average, width, height, codecs }]), CONTENT_TYPES.m3u8);
  const chatToUpload = input.chatPath && (await exists(input.chatPath)) ? input.chatPath : null;
  const chatKey: string | null = input.chatAlreadyStored || chatToUpload ? keys.chat : null;
  const sourceSize = input.sourcePath ? (await stat(input.sourcePath)).size : input.segments.reduce((sum, s) => sum + s.bytes, 0);
  const durationSeconds = Math.round(input.segments.reduce((sum, s) => sum + s.durationSeconds, 0) * 1000) / 1000;
  const media: RecordingMedia = {
    masterKey: keys.master,
    renditions: [{ name: input.rendition, width, height, bandwidth: peak, codecs, playlistKey: keys.playlist }],
    posterKey: null, spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, captionsVttKey: null,
  };
  const metadata: RecordingMetadata = { durationSeconds, width, height, videoCodec: 'h264', audioCodec: 'aac', bitRate: average, sizeBytes: sourceSize };
  const rec = await deps.recordings.finishLive(input.recordingId, input.actor, input.reason, { media, metadata, sourceKey: keys.source, sourceSize, chatKey, endedAt: input.endedAt });
  input.log.info({ durationSeconds, segments: input.segments.length }, 'live recording playable');
  // Playable already; the source (a rename on local storage, an upload on S3) and chat follow, then the pipeline.
  if (chatToUpload) await storage.putFile(keys.chat, chatToUpload, CONTENT_TYPES.chatLog);
  if (input.sourcePath) await storage.putFile(keys.source, input.sourcePath, CONTENT_TYPES.ts);
  await deps.recordings.queueLiveProcessing(input.recordingId);
  return rec;
}
