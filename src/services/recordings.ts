import type { Logger } from 'pino';
import { type Clock, isoNow } from '../adapters/clock';
import { newId } from '../adapters/crypto';
import type { LiveClassRecord, LiveClassRepository } from '../adapters/db/live-class-repository';
import type { RecordingListItem, RecordingRecord, RecordingRepository } from '../adapters/db/recording-repository';
import { type MediaStorage, readStoredText } from '../adapters/storage/media-storage';
import { AccessDenied, Conflict, DomainError, NotFound, Unprocessable } from '../domain/errors';
import { type Principal, requireRole } from '../domain/identity';
import { recordingLayout, recordingPrefix } from '../domain/media/recording-layout';
import type { RecordingMedia, RecordingMetadata } from '../domain/recording-media';
import type { SidecarText } from '../adapters/sidecar-text/worker';
import type { SidecarRefusal } from '../domain/media/sidecar-text';
import { recordingEventFor } from '../domain/notifications/events';
import { nextRecordingState, type RecordingStatus, type RecordingTransition } from '../domain/recording-state';
import type { JobQueue } from '../jobs/catalogue';
import type { ChangeFeed } from './change-feed';
import { actorLabel, type ViewerAccess } from './viewer-access';

export interface RecordingServiceDeps {
  recordings: RecordingRepository;
  liveClasses: Pick<LiveClassRepository, 'get'>;
  access: ViewerAccess;
  storage: MediaStorage;
  queue: JobQueue;
  feed: ChangeFeed;
  clock: Clock;
  logger: Logger;
  retentionDays: number;
  /** Parses attached chat logs and checks captions off the request thread. */
  sidecarText: Pick<SidecarText, 'prepareChat' | 'checkCaptions'>;
  /** Told when a recording first becomes playable: seconds since it ended, by provider (a metrics histogram). */
  onPlayable: (provider: string, secondsSinceEnd: number) => void;
  /** Providers that capture a recording on Aula's command (LiveKit egress), by recording source. */
  captures?: Partial<Record<RecordingRecord['source'], ProviderCapture>> | undefined;
  /** Deletes media a provider keeps for a recording (Cloudflare "keep" storage) when retention purges it; throws to try again later. */
  purgeHosted?: ((recordingId: string) => Promise<void>) | undefined;
}

/**
 * A provider that records on Aula's command: told when a recording starts and when it is stopped. Its media arrives
 * later (a webhook, then an import), so stopping such a recording queues no processing of its own.
 */
export interface ProviderCapture {
  started(recording: RecordingRecord): Promise<void>;
  stopping(recording: RecordingRecord): Promise<void>;
}

export type Actor = Principal | 'system' | 'job' | `provider:${string}`;

export interface ListCursor {
  startedAt: string;
  id: string;
}

export function encodeListCursor(c: ListCursor): string {
  return Buffer.from(`${c.startedAt}|${c.id}`).toString('base64url');
}

export function decodeListCursor(cursor: string | undefined): ListCursor | undefined {
  if (!cursor) return undefined;
  const [startedAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!startedAt || !id) throw new DomainError('bad_request', 'Invalid cursor');
  return { startedAt, id };
}

export const processJobKey = (recordingId: string) => `process-recording:${recordingId}`;

/** Captures a recording's media itself (a native room's recorder); stopping such a recording hands it over. */
export interface LiveCapture {
  owns(recordingId: string): boolean;
  finish(recordingId: string, actor: Actor, reason: string): Promise<RecordingRecord>;
}

function sidecarRefusal(refusal: SidecarRefusal): DomainError {
  return refusal.status === 413 ? new DomainError('payload_too_large', refusal.message) : new Unprocessable(refusal.message);
}

export function createRecordingService(deps: RecordingServiceDeps) {
  const { recordings, clock, logger } = deps;

  async function mustGet(id: string): Promise<RecordingRecord> {
    const r = await recordings.get(id);
    if (!r) throw new NotFound('Recording', id);
    return r;
  }

  async function mustClass(id: string): Promise<LiveClassRecord> {
    const c = await deps.liveClasses.get(id);
    if (!c) throw new NotFound('Live class', id);
    return c;
  }

  function publish(r: RecordingRecord, batchId: string) {
    deps.feed.publish({
      kind: 'recording', recordingId: r.id, liveClassId: r.liveClassId, batchId, status: r.status, progress: r.progress,
      processingError: r.processingError, at: isoNow(clock),
    });
  }

  /** Decide with the domain, write with a compare-and-set, record the event, tell the consoles. */
  async function transition(id: string, t: RecordingTransition, actor: Actor, reason: string, fields?: Parameters<RecordingRepository['transition']>[0]['fields']) {
    const current = await mustGet(id);
    const next = nextRecordingState(current, t);
    const event = recordingEventFor(id, current.status, next.status, 'restore' in t, fields?.processingError ?? null);
    const ok = await recordings.transition({
      id, from: current.status, to: next.status, previousStatus: next.previousStatus, actor: actorLabel(actor), reason, now: isoNow(clock), ...(fields && { fields }), ...(event && { outbox: [event] }),
    });
    if (!ok) {
      const now = await mustGet(id);
      throw new Conflict(`Recording ${id} changed meanwhile; it is now '${now.status}'`);
    }
    const updated = await mustGet(id);
    // Restoring a deleted recording is not it becoming playable.
    if (next.status === 'ready' && current.status !== 'deleted' && updated.endedAt) {
      deps.onPlayable(updated.source, (clock.now().getTime() - Date.parse(updated.endedAt)) / 1000);
    }
    const cls = await deps.liveClasses.get(updated.liveClassId);
    if (cls) publish(updated, cls.batchId);
    logger.info({ recordingId: id, from: current.status, to: next.status, actor: actorLabel(actor), reason }, 'recording state changed');
    return updated;
  }

  async function enqueueProcessing(recordingId: string) {
    await deps.queue.enqueue('process-recording', { recordingId }, { dedupeKey: processJobKey(recordingId) });
  }

  type Sidecars = { chatLocalPath?: string | undefined; captionsLocalPath?: string | undefined } | undefined;

  /** Moves an uploaded or downloaded source file into the recording's folder. */
  async function storeSource(id: string, localPath: string, fileName: string): Promise<string> {
    const ext = (/\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1] ?? 'bin').toLowerCase();
    const sourceKey = recordingLayout(id).source(ext);
    await deps.storage.putFile(sourceKey, localPath);
    return sourceKey;
  }

  const captionsKeyOf = (id: string) => recordingLayout(id).captionsVtt;

  /** Stores a chat transcript and captions beside the source, before processing reads them. */
  async function storeSidecars(id: string, sidecars: Sidecars): Promise<{ chatKey: string | null; captionsKey: string | null }> {
    const chatKey = sidecars?.chatLocalPath ? recordingLayout(id).sourceChat : null;
    const captionsKey = sidecars?.captionsLocalPath ? captionsKeyOf(id) : null;
    if (chatKey) await deps.storage.putFile(chatKey, sidecars!.chatLocalPath!, 'application/x-ndjson');
    if (captionsKey) await deps.storage.putFile(captionsKey, sidecars!.captionsLocalPath!, 'text/vtt');
    return { chatKey, captionsKey };
  }

  async function assertStaffOf(viewer: Principal, liveClassId: string) {
    const cls = await mustClass(liveClassId);
    await deps.access.assertCanManage(viewer, cls.batchId);
    return cls;
  }

  /** Makes the chat track of a recording whose media is published from its stored chat log (nothing to do before). */
  async function publishChatTrack(id: string, prepared?: { jsonl: string | Buffer; vtt: string | Buffer }) {
    const rec = await mustGet(id);
    if (!rec.chatKey || !rec.media) return;
    let track: { jsonl: string | Buffer; vtt: string | Buffer } | undefined = prepared;
    if (!track) {
      // Parsed on the sidecar worker: a provider's chat log can be as large as an attached one.
      const stored = await deps.sidecarText.prepareChat(Buffer.from(await readStoredText(deps.storage, rec.chatKey)), null);
      if (!stored.ok) {
        logger.warn({ recordingId: id, reason: stored.message }, 'stored chat log has no usable messages; no chat track');
        return;
      }
      track = stored;
    }
    const layout = recordingLayout(id);
    const keys = { json: layout.chatJson, vtt: layout.chatVtt };
    await deps.storage.putBuffer(keys.json, track.jsonl, 'application/x-ndjson');
    await deps.storage.putBuffer(keys.vtt, track.vtt, 'text/vtt');
    const current = await mustGet(id);
    if (!current.media) return;
    await recordings.updateProcessing(id, { media: { ...current.media, chatJsonKey: keys.json, chatVttKey: keys.vtt }, now: isoNow(clock) });
    const cls = await mustClass(current.liveClassId);
    publish(await mustGet(id), cls.batchId); // players and caches pick up the new track
  }

  let liveCapture: LiveCapture | null = null;

  return {
    transition,
    mustGet,

    /** Starts a recording in a live class (by hand, or by auto-record when the class starts). */
    async start(actor: Actor, liveClassId: string, reason: string) {
      const cls = await mustClass(liveClassId);
      if (typeof actor !== 'string') await deps.access.assertCanManage(actor, cls.batchId);
      if (cls.deletedAt) throw new Conflict(`Live class ${liveClassId} is deleted`);
      if (cls.status !== 'live') throw new Conflict(`Live class ${liveClassId} is '${cls.status}'; start the class before recording`);
      const active = await recordings.activeForClass(liveClassId);
      if (active.length > 0) throw new Conflict(`Live class ${liveClassId} is already being recorded (recording ${active[0]!.id})`);
      const id = newId();
      const now = isoNow(clock);
      await recordings.insert({
        id, liveClassId, title: cls.title, status: 'recording', source: cls.provider === 'upload' ? 'upload' : cls.provider, externalRef: null,
        startedAt: now, endedAt: null, sourceKey: null, sourceSize: null, chatKey: null, captionsKey: null, actor: actorLabel(actor), reason, now,
      });
      const created = await mustGet(id);
      publish(created, cls.batchId);
      await deps.captures?.[created.source]?.started(created);
      return created;
    },

    /** Stops a recording: it moves to processing and the media pipeline takes over. */
    async stop(actor: Actor, recordingId: string, reason: string) {
      const rec = await mustGet(recordingId);
      if (typeof actor !== 'string') await assertStaffOf(actor, rec.liveClassId);
      if (rec.status !== 'recording') throw new Conflict(`Recording ${recordingId} is not recording; it is '${rec.status}'`);
      if (liveCapture?.owns(recordingId)) return liveCapture.finish(recordingId, actor, reason);
      const capture = deps.captures?.[rec.source];
      if (capture) {
        const stopping = await transition(recordingId, { to: 'processing' }, actor, reason, { endedAt: isoNow(clock), progress: { stage: 'finishing', percent: 0 } });
        await capture.stopping(stopping);
        return stopping;
      }
      const updated = await transition(recordingId, { to: 'processing' }, actor, reason, { endedAt: isoNow(clock), progress: { stage: 'queued', percent: 0 } });
      await enqueueProcessing(recordingId);
      return updated;
    },

    /** A media file already streamed to a local temporary path becomes a new recording of the class. */
    async createFromFile(actor: Actor, liveClassId: string, input: {
      title?: string | undefined; localPath: string; sizeBytes: number; fileName: string; startedAt?: string | undefined; externalRef?: string | undefined;
      source?: RecordingRecord['source'];
      /** A chat transcript (JSON lines of t, author, text) and captions (WebVTT), stored before processing starts. */
      sidecars?: { chatLocalPath?: string | undefined; captionsLocalPath?: string | undefined } | undefined;
    }) {
      const cls = await mustClass(liveClassId);
      if (typeof actor !== 'string') await deps.access.assertCanManage(actor, cls.batchId);
      if (cls.deletedAt) throw new Conflict(`Live class ${liveClassId} is deleted; uploads are refused`);
      const id = newId();
      const sourceKey = await storeSource(id, input.localPath, input.fileName);
      const { chatKey, captionsKey } = await storeSidecars(id, input.sidecars);
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
      publish(created, cls.batchId);
      return created;
    },

    /**
     * A provider's recording whose media could not be fetched: it is kept as `failed` with the reason (and any chat
     * or captions that did arrive) so staff see it, and its external reference keeps it from being imported twice.
     */
    async recordFailedImport(actor: Actor, liveClassId: string, input: {
      title?: string | undefined; startedAt: string; externalRef: string; source: RecordingRecord['source']; reason: string;
      sidecars?: { chatLocalPath?: string | undefined; captionsLocalPath?: string | undefined } | undefined;
    }) {
      const cls = await mustClass(liveClassId);
      const id = newId();
      const { chatKey, captionsKey } = await storeSidecars(id, input.sidecars);
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
      sidecars?: { chatLocalPath?: string | undefined; captionsLocalPath?: string | undefined } | undefined;
    }) {
      const rec = await mustGet(id);
      if (rec.status !== 'failed' || rec.sourceKey) throw new Conflict(`Recording ${id} is '${rec.status}'${rec.sourceKey ? ' with media' : ''}; only a failed import without media can receive its file`);
      const sourceKey = await storeSource(id, input.localPath, input.fileName);
      const { chatKey, captionsKey } = await storeSidecars(id, input.sidecars);
      if (chatKey || captionsKey) await recordings.updateProcessing(id, { ...(chatKey && { chatKey }), ...(captionsKey && { captionsKey }), now: isoNow(clock) });
      const updated = await transition(id, { to: 'processing' }, actor, `imported ${input.fileName}`, { sourceKey, sourceSize: input.sizeBytes, processingError: null, progress: { stage: 'queued', percent: 0 } });
      await enqueueProcessing(id);
      return updated;
    },

    /**
     * The file a provider captured on Aula's command (a RealtimeKit recording) arrives: it becomes the source of that
     * recording, which is then processed like an upload. The recording is still recording (the provider stopped by
     * itself) or processing without a source (stopped in Aula).
     */
    async receiveCapturedFile(actor: Actor, id: string, file: { localPath: string; sizeBytes: number; fileName: string }) {
      const rec = await mustGet(id);
      if (rec.sourceKey || (rec.status !== 'recording' && rec.status !== 'processing')) throw new Conflict(`Recording ${id} is '${rec.status}'${rec.sourceKey ? ' with media' : ''}; it cannot receive a captured file`);
      const sourceKey = await storeSource(id, file.localPath, file.fileName);
      if (rec.status === 'recording') {
        await transition(id, { to: 'processing' }, actor, `captured ${file.fileName}`, { endedAt: isoNow(clock), sourceKey, sourceSize: file.sizeBytes, progress: { stage: 'queued', percent: 0 } });
      } else {
        await recordings.updateProcessing(id, { source: { key: sourceKey, size: file.sizeBytes }, progress: { stage: 'queued', percent: 0 }, now: isoNow(clock) });
      }
      await enqueueProcessing(id);
      const updated = await mustGet(id);
      const cls = await deps.liveClasses.get(updated.liveClassId);
      if (cls) publish(updated, cls.batchId);
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

    setLiveCapture(capture: LiveCapture | null) {
      liveCapture = capture;
    },

    /**
     * A live recording whose media its recorder already published: `recording → processing → ready` at once.
     * The pipeline (other renditions, images, download) is queued with `queueLiveProcessing` once the source
     * and chat it names are in storage.
     */
    async finishLive(id: string, actor: Actor, reason: string, live: {
      media: RecordingMedia; metadata: RecordingMetadata; sourceKey: string; sourceSize: number; chatKey: string | null; endedAt: string;
    }) {
      const rec = await mustGet(id);
      if (rec.status === 'recording') {
        await transition(id, { to: 'processing' }, actor, reason, { endedAt: live.endedAt, sourceKey: live.sourceKey, sourceSize: live.sourceSize, progress: { stage: 'queued', percent: 0 } });
      }
      if (live.chatKey) await recordings.updateProcessing(id, { chatKey: live.chatKey, now: isoNow(clock) });
      // A recording stopped before its media arrived (a provider's egress) is already processing: it gets its source here.
      return transition(id, { to: 'ready' }, actor, 'live recording playable', { media: live.media, metadata: live.metadata, processingError: null, sourceKey: live.sourceKey, sourceSize: live.sourceSize });
    },

    queueLiveProcessing: (id: string) => enqueueProcessing(id),

    async get(viewer: Principal, id: string) {
      const rec = await mustGet(id);
      const cls = await mustClass(rec.liveClassId);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this recording');
      if (viewer.role === 'student' && rec.status !== 'ready') throw new NotFound('Recording', id);
      const job = viewer.role === 'student' ? null : await deps.queue.describe(processJobKey(id));
      return { recording: rec, liveClass: cls, job };
    },

    /** The lesson page: every ready recording of every class of the lesson the viewer may see, newest first. */
    async listForLesson(viewer: Principal, lessonId: string, page: { limit: number; cursor?: string | undefined }) {
      await deps.access.requireLesson(lessonId);
      const batchIds = await deps.access.batchScope(viewer);
      const items = await recordings.list({ lessonId, batchIds, statuses: ['ready'], limit: page.limit, after: decodeListCursor(page.cursor) });
      return paged(items, page.limit);
    },

    async listForBatch(viewer: Principal, batchId: string, page: { limit: number; cursor?: string | undefined }) {
      await deps.access.requireBatch(batchId);
      await deps.access.assertCanView(viewer, batchId);
      const items = await recordings.list({ batchId, batchIds: null, statuses: ['ready'], limit: page.limit, after: decodeListCursor(page.cursor) });
      return paged(items, page.limit);
    },

    /** Staff view: every state, with filters. */
    async listForStaff(viewer: Principal, f: { liveClassId?: string | undefined; batchId?: string | undefined; lessonId?: string | undefined; status?: RecordingStatus | undefined; limit: number; cursor?: string | undefined }) {
      if (viewer.role === 'student') throw new AccessDenied('Only instructors and admins can list recordings in every state');
      const batchIds = await deps.access.batchScope(viewer);
      const items = await recordings.list({
        batchIds, liveClassId: f.liveClassId, batchId: f.batchId, lessonId: f.lessonId,
        statuses: f.status ? [f.status] : null, limit: f.limit, after: decodeListCursor(f.cursor),
      });
      return paged(items, f.limit);
    },

    async events(viewer: Principal, id: string) {
      const rec = await mustGet(id);
      await assertStaffOf(viewer, rec.liveClassId);
      return recordings.events(id);
    },

    async rename(viewer: Principal, id: string, title: string) {
      const rec = await mustGet(id);
      await assertStaffOf(viewer, rec.liveClassId);
      await recordings.rename(id, title, isoNow(clock));
      return mustGet(id);
    },

    /** By an admin, or by the system (a provider reporting the recording deleted at its side). */
    async softDelete(viewer: Actor, id: string, reason: string) {
      if (typeof viewer !== 'string') requireRole(viewer, 'admin');
      const updated = await transition(id, { to: 'deleted' }, viewer, reason, { deletedAt: isoNow(clock) });
      return updated;
    },

    async restore(viewer: Actor, id: string) {
      if (typeof viewer !== 'string') requireRole(viewer, 'admin');
      const rec = await mustGet(id);
      if (rec.purgedAt) throw new Conflict(`Recording ${id} was deleted on ${rec.deletedAt} and its media purged; it cannot be restored`);
      const updated = await transition(id, { restore: true }, viewer, 'restored', { deletedAt: null });
      if (updated.status === 'processing') await enqueueProcessing(id);
      return updated;
    },

    async retry(viewer: Principal, id: string) {
      const rec = await mustGet(id);
      await assertStaffOf(viewer, rec.liveClassId);
      if (viewer.role !== 'admin') throw new AccessDenied('Only admins can retry a failed recording');
      if (rec.status !== 'failed') throw new Conflict(`Only a failed recording can be retried; recording ${id} is '${rec.status}'`);
      if (!rec.sourceKey) throw new Unprocessable(`Recording ${id} has no source media to process`);
      const updated = await transition(id, { to: 'processing' }, viewer, 'retry requested', { processingError: null, progress: { stage: 'queued', percent: 0 } });
      await enqueueProcessing(id);
      return updated;
    },

    /** Job side: progress and media as they appear, without a state change. */
    async reportProgress(id: string, progress: { stage: string; percent: number }, extra: { media?: RecordingMedia; metadata?: RecordingMetadata } = {}) {
      await recordings.updateProcessing(id, { progress, ...extra, now: isoNow(clock) });
      const rec = await recordings.get(id);
      const cls = rec && (await deps.liveClasses.get(rec.liveClassId));
      if (rec && cls) publish(rec, cls.batchId);
    },

    /**
     * Captions that arrive after the recording (a provider's transcript finished later): stored beside it and, when
     * its media is already published, shown by the player at once. Processing that is still running picks them up.
     */
    async attachCaptions(id: string, localPath: string) {
      const rec = await mustGet(id);
      if (rec.purgedAt) throw new Conflict(`Recording ${id} was deleted and its media purged; it takes no captions`);
      const captionsKey = captionsKeyOf(id);
      await deps.storage.putFile(captionsKey, localPath, 'text/vtt');
      // Read again after the upload: the pipeline may have published media meanwhile.
      const current = await mustGet(id);
      await recordings.updateProcessing(id, { captionsKey, ...(current.media && { media: { ...current.media, captionsVttKey: captionsKey } }), now: isoNow(clock) });
      return mustGet(id);
    },

    /**
     * Staff attach the chat log of a class held elsewhere (JSON lines of `t` seconds, `author`, `text`). It is kept
     * beside the source; a recording already playable gets its chat track at once, one still processing at the end.
     */
    async attachChatLog(actor: Principal, id: string, jsonl: Buffer) {
      const rec = await mustGet(id);
      await assertStaffOf(actor, rec.liveClassId);
      if (rec.status === 'deleted' || rec.purgedAt) throw new Conflict(`Recording ${id} is deleted; restore it before attaching a chat`);
      const chat = await deps.sidecarText.prepareChat(jsonl, rec.durationSeconds);
      if (!chat.ok) throw sidecarRefusal(chat);
      const chatKey = recordingLayout(id).sourceChat;
      await deps.storage.putBuffer(chatKey, chat.jsonl, 'application/x-ndjson');
      await recordings.updateProcessing(id, { chatKey, now: isoNow(clock) });
      await publishChatTrack(id, chat);
      return { recordingId: id, messages: chat.messages, skipped: chat.skipped, afterEnd: chat.afterEnd };
    },

    publishChatTrack,

    /** Staff attach or replace captions (WebVTT); the player offers them at once when the recording is playable. */
    async attachCaptionsText(actor: Principal, id: string, vtt: Buffer) {
      const rec = await mustGet(id);
      const cls = await assertStaffOf(actor, rec.liveClassId);
      if (rec.status === 'deleted' || rec.purgedAt) throw new Conflict(`Recording ${id} is deleted; restore it before attaching captions`);
      const checked = await deps.sidecarText.checkCaptions(vtt, rec.durationSeconds);
      if (!checked.ok) throw sidecarRefusal(checked);
      const captionsKey = captionsKeyOf(id);
      await deps.storage.putBuffer(captionsKey, checked.vtt, 'text/vtt');
      const current = await mustGet(id);
      await recordings.updateProcessing(id, { captionsKey, ...(current.media && { media: { ...current.media, captionsVttKey: captionsKey } }), now: isoNow(clock) });
      const updated = await mustGet(id);
      publish(updated, cls.batchId);
      return { recordingId: id, captions: true, cues: checked.cues };
    },

    /** Attaches a chat transcript or captions file already in storage. */
    async attachSidecars(id: string, files: { chatKey?: string; captionsKey?: string }) {
      await recordings.updateProcessing(id, { ...files, now: isoNow(clock) });
    },

    /** Retention: media of recordings deleted more than N days ago is removed; the row and its events stay. */
    async purgeExpiredMedia(): Promise<number> {
      const before = new Date(clock.now().getTime() - deps.retentionDays * 86_400_000).toISOString();
      let purged = 0;
      for (;;) {
        const batch = await recordings.listPurgeable(before, 100);
        if (batch.length === 0) break;
        let kept = 0;
        for (const { id } of batch) {
          try {
            await deps.purgeHosted?.(id);
          } catch (err) {
            // Not marked purged: the next run tries the provider again.
            logger.warn({ err, recordingId: id }, 'could not delete a recording\'s media at its provider; retrying on the next purge');
            kept++;
            continue;
          }
          await deps.storage.deletePrefix(recordingPrefix(id));
          await recordings.markPurged(id, isoNow(clock));
          purged++;
        }
        if (kept === batch.length) break;
      }
      if (purged) logger.info({ purged, retentionDays: deps.retentionDays }, 'purged media of deleted recordings');
      return purged;
    },
  };
}

function paged(items: RecordingListItem[], limit: number) {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return { items: page, nextCursor: items.length > limit && last ? encodeListCursor({ startedAt: last.startedAt, id: last.id }) : null };
}

export type RecordingService = ReturnType<typeof createRecordingService>;
