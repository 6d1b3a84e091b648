import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import type { RecordingRecord } from '../../adapters/db/recording-repository';
import type { MediaStorage } from '../../adapters/storage/media-storage';
import { Conflict } from '../../domain/errors';
import { type RecordingMetadata, recordingPrefix } from '../../domain/recording-media';
import { actorLabel } from '../viewer-access';
import type { RecordingContext } from './context';
import type { SourceFiles } from './source-files';
import type { Actor, RecordingServiceDeps, SidecarFiles } from './types';

/** Media that arrives as a file (an upload, a provider's download or capture) or stays with its provider. */
export function createRecordingIngest(
  deps: Pick<RecordingServiceDeps, 'recordings' | 'access' | 'clock'> & { storage: Pick<MediaStorage, 'deletePrefix'> },
  ctx: RecordingContext,
  files: SourceFiles,
) {
  const { recordings, clock } = deps;
  const { mustGet, mustClass, transition, enqueueProcessing } = ctx;

  return {
    /** A media file already streamed to a local temporary path becomes a new recording of the class. */
    async createFromFile(actor: Actor, liveClassId: string, input: {
      title?: string | undefined; localPath: string; sizeBytes: number; fileName: string; startedAt?: string | undefined; externalRef?: string | undefined;
      source?: RecordingRecord['source'];
      /** A chat transcript (JSON lines of t, author, text) and captions (WebVTT), stored before processing starts. */
      sidecars?: SidecarFiles;
    }) {
      const cls = await mustClass(liveClassId);
      if (typeof actor !== 'string') await deps.access.assertCanManage(actor, cls.batchId);
      if (cls.deletedAt) throw new Conflict(`Live class ${liveClassId} is deleted; uploads are refused`);
      const id = newId();
      const sourceKey = await files.storeSource(id, input.localPath, input.fileName);
      const { chatKey, captionsKey } = await files.storeSidecars(id, input.sidecars);
      const now = isoNow(clock);
      try {
        await recordings.insert({
          id, liveClassId, title: input.title ?? cls.title, status: 'processing', source: input.source ?? 'upload', externalRef: input.externalRef ?? null,
          startedAt: input.startedAt ?? now, endedAt: now, sourceKey, sourceSize: input.sizeBytes, chatKey, captionsKey,
          actor: actorLabel(actor), reason: `uploaded ${input.fileName}`, now,
        });
      } catch (err) {
        // No row points at these files (another recording took the external reference meanwhile): leave none behind.
        await deps.storage.deletePrefix(recordingPrefix(id));
        throw err;
      }
      await recordings.updateProcessing(id, { progress: { stage: 'queued', percent: 0 }, now });
      await enqueueProcessing(id);
      const created = await mustGet(id);
      ctx.publish(created, cls.batchId);
      return created;
    },

    /**
     * The file a provider captured on Aula's command (a RealtimeKit recording) arrives: it becomes the source of that
     * recording, which is then processed like an upload. The recording is still recording (the provider stopped by
     * itself) or processing without a source (stopped in Aula).
     */
    async receiveCapturedFile(actor: Actor, id: string, file: { localPath: string; sizeBytes: number; fileName: string }) {
      const rec = await mustGet(id);
      if (rec.sourceKey || (rec.status !== 'recording' && rec.status !== 'processing')) throw new Conflict(`Recording ${id} is '${rec.status}'${rec.sourceKey ? ' with media' : ''}; it cannot receive a captured file`);
      const sourceKey = await files.storeSource(id, file.localPath, file.fileName);
      if (rec.status === 'recording') {
        await transition(id, { to: 'processing' }, actor, `captured ${file.fileName}`, { endedAt: isoNow(clock), sourceKey, sourceSize: file.sizeBytes, progress: { stage: 'queued', percent: 0 } });
      } else {
        await recordings.updateProcessing(id, { source: { key: sourceKey, size: file.sizeBytes }, progress: { stage: 'queued', percent: 0 }, now: isoNow(clock) });
      }
      await enqueueProcessing(id);
      const updated = await mustGet(id);
      await ctx.publishToClass(updated);
      return updated;
    },

    /**
     * A provider's recording whose media stays with the provider (Cloudflare Stream "keep" storage): ready at once,
     * without media in Aula; playback asks the provider for a signed URL. Its external reference keeps it single.
     */
    async createHostedElsewhere(actor: Actor, liveClassId: string, input: {
      title: string; startedAt: string; externalRef: string; source: RecordingRecord['source']; metadata: RecordingMetadata; providerState: string;
    }) {
      const cls = await mustClass(liveClassId);
      if (cls.deletedAt) throw new Conflict(`Live class ${liveClassId} is deleted`);
      const id = newId();
      const now = isoNow(clock);
      await recordings.insert({
        id, liveClassId, title: input.title, status: 'processing', source: input.source, externalRef: input.externalRef,
        startedAt: input.startedAt, endedAt: now, sourceKey: null, sourceSize: null, chatKey: null, captionsKey: null, actor: actorLabel(actor), reason: 'attached from the provider', now,
      });
      await recordings.swapProviderState(id, null, input.providerState);
      return transition(id, { to: 'ready' }, actor, 'playable from the provider', { metadata: input.metadata, processingError: null, progress: { stage: 'done', percent: 100 } });
    },
  };
}
