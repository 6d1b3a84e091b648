/** Where a recording is in its lifecycle, as the API and the console name it; the transitions live in the domain. */
export type RecordingStatus = 'scheduled' | 'recording' | 'processing' | 'ready' | 'failed' | 'deleted';

/** Where a live class is, as the API and the console name it. */
export type LiveClassStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';
