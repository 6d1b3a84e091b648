import type { Db } from '../database';
import { createLifecycleQueries } from './lifecycle';
import { createRecordingList } from './list';
import { createProviderStateQueries } from './provider-state';
import { createRecordingReads } from './reads';
import { createRetentionQueries } from './retention';
import { createTrimQueries } from './trim';

export type { RecordingListFilter, RecordingListItem, RecordingRecord, RecordingTransitionWrite } from './records';

/** Recordings: their lifecycle, the lists people browse, provider capture state and retention. */
export function createRecordingRepository(db: Db) {
  return {
    ...createRecordingReads(db),
    ...createLifecycleQueries(db),
    ...createRecordingList(db),
    ...createProviderStateQueries(db),
    ...createRetentionQueries(db),
    ...createTrimQueries(db),
  };
}

export type RecordingRepository = ReturnType<typeof createRecordingRepository>;
