/**
 * Every job Aula runs, with its id-only payload. Handlers reload what they need and return quietly
 * when the thing is gone; they throw only what should be retried.
 */
export interface JobCatalogue {
  'process-recording': { recordingId: string };
  /** The precise cut of a recording's current trim. */
  'trim-recording': { recordingId: string };
  'purge-deleted-media': Record<string, never>;
  /** A provider event kept in the inbox whose handling failed or was cut short; handled again from there. */
  'handle-provider-event': { inboxId: string };
  /** Finds inbox deliveries a crash left unhandled and queues them. */
  'sweep-provider-inbox': Record<string, never>;
  /**
   * One segment of a Zoom cloud recording: Zoom's meeting id (the class's `providerMeetingId`), the meeting instance's
   * UUID, and the id of the segment's MP4 (or M4A), whose recording's external reference is `zoom:{id}`. `inboxId` is
   * the delivery that announced it, whose download token a first attempt uses; absent for a sync.
   */
  'zoom.import-recording': { accountId: string; meetingId: string; meetingUuid: string; recordingFileId: string; inboxId: string | null };
  /** Zoom's audio transcript, finished after the recording, becomes the captions of the segment's Aula recording. */
  'zoom.import-captions': { accountId: string; meetingId: string; meetingUuid: string; transcriptFileId: string; inboxId: string | null };
  /** LiveKit egress for one recording: started, checked once it should be active, stopped, imported when complete. */
  'livekit.start-egress': { recordingId: string };
  'livekit.check-egress': { recordingId: string };
  'livekit.stop-egress': { recordingId: string };
  'livekit.import-egress': { recordingId: string };
  /** Compares LiveKit recordings still waiting for their egress with ListEgress (webhooks get lost). */
  'livekit.reconcile': Record<string, never>;
  /** Reads an LTI context's memberships (NRPS) into its batch. */
  'lti-sync-roster': { contextId: string };
  /** Hourly: one roster sync per LTI context that has a roster service. */
  'lti-sync-rosters': Record<string, never>;
  /** Posts a student's watched percentage of a lesson as an AGS score. */
  'lti-post-score': { scoreId: string };
  /** A Stream video (a broadcast of a live input) becomes its Aula recording: imported, or attached where it stays on Cloudflare. */
  'cloudflare.import-video': { accountId: string; videoUid: string };
  /** After a live input disconnects, its videos are polled until ready: Cloudflare does not promise their webhook. */
  'cloudflare.poll-input': { liveClassId: string };
  /** RealtimeKit recording of an Aula recording: started and stopped on Aula's command. */
  'cloudflare.start-recording': { recordingId: string };
  'cloudflare.stop-recording': { recordingId: string };
  /** A RealtimeKit recording that was uploaded becomes (or feeds) its Aula recording; `inboxId` is the webhook that announced it. */
  'cloudflare.import-rtk': { accountId: string; rtkRecordingId: string; inboxId: string | null };
}

export type JobName = keyof JobCatalogue;
