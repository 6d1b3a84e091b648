import type { Generated } from 'kysely';

/** Caption and chat lines of recordings, for search; rebuilt when a recording's captions or chat change. */
export interface SearchCuesTable {
  id: Generated<number>;
  recording_id: string;
  kind: 'caption' | 'chat';
  start_seconds: number;
  text: string;
}

/** Which version of a recording (its updated_at) and which of its files search_cues was built from. */
export interface SearchIndexedTable {
  recording_id: string;
  captions_key: string | null;
  chat_key: string | null;
  recording_version: string;
}
