/** Who Zoom's changes are recorded as, and the keys that tie Zoom files to Aula recordings and jobs. */
export const ACTOR = 'provider:zoom' as const;
/** Attempts of an import job: with the default 5 s backoff the last one runs about 40 minutes after the first. */
export const IMPORT_MAX_ATTEMPTS = 10;
/**
 * Attempts of a captions job. It waits, by backoff, for its segment to be imported and processed, which may queue
 * behind long media jobs: with the default 5 s backoff the last attempt runs about 11 hours after the first.
 */
export const CAPTIONS_MAX_ATTEMPTS = 14;

export const importJobKey = (recordingFileId: string) => `zoom-import:${recordingFileId}`;
export const captionsJobKey = (transcriptFileId: string) => `zoom-captions:${transcriptFileId}`;
export const externalRefOf = (recordingFileId: string) => `zoom:${recordingFileId}`;
