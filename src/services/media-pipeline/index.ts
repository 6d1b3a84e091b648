export { createMediaPipeline } from './pipeline';
export { DISK_SPACE_FACTOR, isRetryable, type MediaFailureReason, MediaProcessingFailed } from './failure';
export { QUICK_START_MIN_SECONDS } from './renditions-encode';
export type { MediaPipeline, MediaPipelineDeps, PipelineHooks, PipelineInput, PipelineOutput, PipelineProgress, PipelineRendition, PipelineStage } from './types';
