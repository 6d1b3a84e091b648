/** What `GET /api/v1/recordings/{id}/playback` answers: signed media URLs, valid until `expiresAt`. */
export interface PlaybackUrls {
  recordingId: string;
  expiresAt: string;
  hls: string;
  mp4: string | null;
  poster: string | null;
  thumbnails: string | null;
  chat: string | null;
  captions: string | null;
}
