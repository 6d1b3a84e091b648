import type { MediaStorage } from '../../adapters/storage/media-storage';
import { recordingLayout } from '../../domain/media/recording-layout';
import type { SidecarFiles } from './types';

export const captionsKeyOf = (id: string) => recordingLayout(id).captionsVtt;

/** Files that arrive with a recording (its source, chat and captions), moved into the recording's folder. */
export function createSourceFiles(deps: { storage: Pick<MediaStorage, 'putFile'> }) {
  return {
    /** Moves an uploaded or downloaded source file into the recording's folder. */
    async storeSource(id: string, localPath: string, fileName: string): Promise<string> {
      const ext = (/\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1] ?? 'bin').toLowerCase();
      const sourceKey = recordingLayout(id).source(ext);
      await deps.storage.putFile(sourceKey, localPath);
      return sourceKey;
    },

    /** Stores a chat transcript and captions beside the source, before processing reads them. */
    async storeSidecars(id: string, sidecars: SidecarFiles): Promise<{ chatKey: string | null; captionsKey: string | null }> {
      const chatKey = sidecars?.chatLocalPath ? recordingLayout(id).sourceChat : null;
      const captionsKey = sidecars?.captionsLocalPath ? captionsKeyOf(id) : null;
      if (chatKey) await deps.storage.putFile(chatKey, sidecars!.chatLocalPath!, 'application/x-ndjson');
      if (captionsKey) await deps.storage.putFile(captionsKey, sidecars!.captionsLocalPath!, 'text/vtt');
      return { chatKey, captionsKey };
    },
  };
}

export type SourceFiles = ReturnType<typeof createSourceFiles>;
