export { createLiveRecorder } from './recorder';
export type { LiveRecorder, LiveRecorderDeps, LiveRecorderOptions } from './types';
export { matroskaHeader, MatroskaClusterWriter, type MkvTrack } from './matroska';
export { FILLER_VP8_KEYFRAME, OPUS_SHORT_SILENCE, OPUS_SILENCE, opusPacketMs } from './filler-media';
