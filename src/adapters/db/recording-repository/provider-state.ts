import type { Db } from '../database';
import type { RecordingRecord } from './records';

/** What a capturing provider knows of a recording, swapped compare-and-set, and the recordings still waiting for one. */
export function createProviderStateQueries(db: Db) {
  return {
    /** What a capturing provider knows of the recording (LiveKit's egress), as stored JSON text, for a compare-and-set. */
    async getProviderState(id: string): Promise<string | null> {
      const r = await db.selectFrom('recordings').select('provider_state').where('id', '=', id).executeTakeFirst();
      return r?.provider_state ?? null;
    },
    /** Replaces the provider state if it is still `from`; an external reference (the egress id) may be set with it. */
    async swapProviderState(id: string, from: string | null, to: string, externalRef?: string): Promise<boolean> {
      let q = db.updateTable('recordings').set({ provider_state: to, ...(externalRef !== undefined && { external_ref: externalRef }) }).where('id', '=', id);
      q = from === null ? q.where('provider_state', 'is', null) : q.where('provider_state', '=', from);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** Recordings a provider is still capturing or has not delivered yet: recording, or processing without media. */
    async listAwaitingProvider(source: RecordingRecord['source'], limit: number): Promise<string[]> {
      const rows = await db.selectFrom('recordings').select('id').where('source', '=', source)
        .where((eb) => eb.or([eb('status', '=', 'recording'), eb.and([eb('status', '=', 'processing'), eb('media', 'is', null), eb('source_key', 'is', null)])]))
        .orderBy('started_at').limit(limit).execute();
      return rows.map((r) => r.id);
    },
  };
}
