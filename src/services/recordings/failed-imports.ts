import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import type { RecordingRecord } from '../../adapters/db/recording-repository';
import { Conflict } from '../../domain/errors';
import { actorLabel } from '../viewer-access';
import type { RecordingContext } from './context';
import type { SourceFiles } from './source-files';
import type { Actor, RecordingServiceDeps, SidecarFiles } from './types';

/** A provider's recording whose media could not be fetched, kept so staff see it, and completed when its file turns up. */
export function createFailedImports(deps: Pick<RecordingServiceDeps, 'recordings' | 'clock'>, ctx: RecordingContext, files: SourceFiles) {
  const { recordings, clock } = deps;
  const { mustGet, transition } = ctx;

  return {
    /**
     * A provider's recording whose media could not be fetched: it is kept as `failed` with the reason (and any chat
     * or captions that did arrive) so staff see it, and its external reference keeps it from being imported twice.
     */
    async recordFailedImport(actor: Actor, liveClassId: string, input: {
      title?: string | undefined; startedAt: string; externalRef: string; source: RecordingRecord['source']; reason: string;
      sidecars?: SidecarFiles;
    }) {
      const cls = await ctx.mustClass(liveClassId);
      const id = newId();
      const { chatKey, captionsKey } = await files.storeSidecars(id, input.sidecars);
      const now = isoNow(clock);
      await recordings.insert({
        id, liveClassId, title: input.title ?? cls.title, status: 'processing', source: input.source, externalRef: input.externalRef,
        startedAt: input.startedAt, endedAt: now, sourceKey: null, sourceSize: null, chatKey, captionsKey, actor: actorLabel(actor), reason: 'import started', now,
      });
      return transition(id, { to: 'failed' }, actor, 'import failed', { processingError: input.reason, progress: null });
    },

    /** A failed import receives the file it was missing (a later sync found it) and is processed. */
    async completeFailedImport(actor: Actor, id: string, input: {
      localPath: string; sizeBytes: number; fileName: string;
      sidecars?: SidecarFiles;
    }) {
      const rec = await mustGet(id);
      if (rec.status !== 'failed' || rec.sourceKey) throw new Conflict(`Recording ${id} is '${rec.status}'${rec.sourceKey ? ' with media' : ''}; only a failed import without media can receive its file`);
      const sourceKey = await files.storeSource(id, input.localPath, input.fileName);
      const { chatKey, captionsKey } = await files.storeSidecars(id, input.sidecars);
      if (chatKey || captionsKey) await recordings.updateProcessing(id, { ...(chatKey && { chatKey }), ...(captionsKey && { captionsKey }), now: isoNow(clock) });
      const updated = await transition(id, { to: 'processing' }, actor, `imported ${input.fileName}`, { sourceKey, sourceSize: input.sizeBytes, processingError: null, progress: { stage: 'queued', percent: 0 } });
      await ctx.enqueueProcessing(id);
      return updated;
    },
  };
}
