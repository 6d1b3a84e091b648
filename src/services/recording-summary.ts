import type { RecordingRecord } from '../adapters/db/recording-repository';
import type { RecordingOutputs, RecordingSummary } from '../contracts/api/recordings';
import type { RecordingMedia } from '../domain/recording-media';
import { trimView } from '../domain/media/trim';

function outputsOf(media: RecordingMedia | null): RecordingOutputs | null {
  if (!media) return null;
  return {
    renditions: media.renditions.map((r) => ({ name: r.name, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs })),
    poster: media.posterKey !== null, thumbnails: media.spriteKey !== null && media.thumbnailsVttKey !== null, mp4: media.mp4Key !== null,
    chat: media.chatVttKey !== null, captions: media.captionsVttKey !== null,
  };
}

/** A recording as the API answers it: what was made of it, never where its files are stored. */
export function recordingSummary(r: RecordingRecord): RecordingSummary {
  return {
    id: r.id, liveClassId: r.liveClassId, title: r.title, status: r.status, previousStatus: r.previousStatus, source: r.source, externalRef: r.externalRef,
    startedAt: r.startedAt, endedAt: r.endedAt, durationSeconds: r.durationSeconds, width: r.width, height: r.height, videoCodec: r.videoCodec,
    audioCodec: r.audioCodec, bitRate: r.bitRate, sizeBytes: r.sizeBytes, sourceSize: r.sourceSize, hasSourceChat: r.chatKey !== null,
    hasSourceCaptions: r.captionsKey !== null, outputs: outputsOf(r.media), trim: trimView(r.trim), progress: r.progress, processingError: r.processingError, pausedAt: r.pausedAt,
    deletedAt: r.deletedAt, purgedAt: r.purgedAt, createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}
