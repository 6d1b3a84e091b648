/** Who Cloudflare's changes are recorded as, the keys that tie its videos and recordings to Aula's, and job attempts. */
export const ACTOR = 'provider:cloudflare' as const;
export const videoRef = (uid: string) => `cloudflare:${uid}`;
export const importVideoJobKey = (uid: string) => `cloudflare-video:${uid}`;
export const rtkRef = (rtkRecordingId: string) => `cloudflare:rtk:${rtkRecordingId}`;
export const importRtkJobKey = (rtkRecordingId: string) => `cloudflare-rtk:${rtkRecordingId}`;

/** Enough polls for Cloudflare to finish a long recording and its MP4 at the configured interval. */
export const VIDEO_IMPORT_MAX_ATTEMPTS = 120;
export const POLL_MAX_ATTEMPTS = 120;
/** A failed RealtimeKit start is tried 3 more times with backoff, then the recording fails with the reason. */
export const RTK_START_MAX_ATTEMPTS = 4;
export const RTK_IMPORT_MAX_ATTEMPTS = 10;
