import { createHeartbeats } from './heartbeats';
import { createRecordingInfo } from './recording-info';
import { createWatchReports } from './reports';
import { createSessionWriter } from './session-writer';
import type { WatchAnalyticsDeps } from './types';

export { recordingColumnName, uniqueHeaders, watchReportCsv } from './report-csv';
export { type ClassWatch, GUEST_PREFIX, type Heartbeat, type WatchAnalyticsDeps } from './types';

/** Watching of recordings: heartbeats counted in batches, and what staff and viewers read of them. */
export function createWatchAnalytics(deps: WatchAnalyticsDeps) {
  const info = createRecordingInfo(deps);
  const writer = createSessionWriter(deps, info);
  return {
    ...createHeartbeats(deps, info, writer),
    ...createWatchReports(deps, info, writer),
    flush: writer.flush,
    close: writer.close,
  };
}

export type WatchAnalytics = ReturnType<typeof createWatchAnalytics>;
