import { createRecordingContext } from './context';
import { createFailedImports } from './failed-imports';
import { createRecordingIngest } from './ingest';
import { createRecordingLifecycle } from './lifecycle';
import { createRecordingManagement } from './management';
import { createRecordingQueries } from './queries';
import { createRecordingRetention } from './retention';
import { createRecordingSidecars } from './sidecars';
import { createSourceFiles } from './source-files';
import type { RecordingServiceDeps } from './types';

export { processJobKey } from './context';
export { decodeListCursor, encodeListCursor, type ListCursor } from './queries';
export type { Actor, LiveCapture, ProviderCapture, RecordingServiceDeps } from './types';

/** Recordings of live classes: one object composed of the use cases, each given just the deps it uses. */
export function createRecordingService(deps: RecordingServiceDeps) {
  const ctx = createRecordingContext(deps);
  const files = createSourceFiles(deps);
  return {
    ...createRecordingLifecycle(deps, ctx),
    ...createRecordingIngest(deps, ctx, files),
    ...createFailedImports(deps, ctx, files),
    ...createRecordingQueries(deps, ctx),
    ...createRecordingManagement(deps, ctx),
    ...createRecordingSidecars(deps, ctx),
    ...createRecordingRetention(deps),
  };
}

export type RecordingService = ReturnType<typeof createRecordingService>;
