import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import { decryptSecret, encryptSecret, newId } from '../../adapters/crypto';
import type { ProviderAccountRow, ProviderStore } from '../../adapters/db/provider-repository';
import type { LiveClassRecord, LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../adapters/db/recording-repository';
import { type ZoomApi, ZoomApiError, type ZoomCredentials, type ZoomMeeting } from '../../adapters/providers/zoom-api';
import { DomainError, NotFound, Unauthenticated, Unprocessable } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import { toChatJsonLines } from '../../domain/media/ladder';
import {
  groupZoomSegments,
  parseZoomChat,
  parseZoomEvent,
  verifyZoomSignature,
  type ZoomEvent,
  type ZoomFileRef,
  type ZoomRecordingObject,
  type ZoomSegment,
  zoomDeliveryId,
  zoomTranscripts,
  zoomUrlValidationAnswer,
} from '../../domain/zoom-webhook';
import { type JobCatalogue, type JobHandler, type JobName, type JobQueue, RetryLater } from '../../jobs/catalogue';
import type { LiveClassProviderHooks, LiveClassService } from '../live-classes';
import type { RecordingService } from '../recordings';

const PROVIDER = 'zoom';
const ACTOR = 'provider:zoom' as const;
const ACCOUNT_CACHE_MS = 30_000;
/** Zoom retries a delivery for about 85 minutes; delivery ids are kept a week. */
const DELIVERY_RETENTION_MS = 7 * 86_400_000;
/** Attempts of an import job: with the default 5 s backoff the last one runs about 40 minutes after the first. */
const IMPORT_MAX_ATTEMPTS = 10;
/**
 * Attempts of a captions job. It waits, by backoff, for its segment to be imported and processed, which may queue
 * behind long media jobs: with the default 5 s backoff the last attempt runs about 11 hours after the first.
 */
const CAPTIONS_MAX_ATTEMPTS = 14;
const MAX_SIDECAR_BYTES = 50 * 1024 * 1024;
/** Zoom's `start_url` lapses two hours after it is issued; staff get a new one once the stored one is this old. */
const START_URL_RENEW_AFTER_MS = 90 * 60_000;
const START_URL_LIFETIME_MS = 2 * 3_600_000;
/** A longer `Retry-After` (a broken header) is not waited for in full. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export const importJobKey = (recordingFileId: string) => `zoom-import:${recordingFileId}`;
export const captionsJobKey = (transcriptFileId: string) => `zoom-captions:${transcriptFileId}`;

/** A captions job comes back later: the recording its transcript belongs to is still being imported or processed. */
class WaitingForRecording extends Error {
  override name = 'WaitingForRecording';
}

/** Zoom said when to come back (429 with `Retry-After`): the job's next attempt waits at least that long. */
function honouringRetryAfter<N extends JobName>(handler: JobHandler<N>): JobHandler<N> {
  return {
    ...handler,
    async run(data, ctx) {
      try {
        return await handler.run(data, ctx);
      } catch (err) {
        if (err instanceof ZoomApiError && err.kind === 'rate_limited' && err.retryAfterMs !== null) {
          throw new RetryLater(Math.min(err.retryAfterMs, MAX_RETRY_AFTER_MS), err.message, { cause: err });
        }
        throw err;
      }
    },
  };
}

/** What Aula keeps in the clear about a Zoom account; its secrets are stored encrypted beside it. */
export interface ZoomAccountSettings {
  accountId: string;
  clientId: string;
  hostUser: string;
}

// ---------------------------------------------------------------- service

export interface ZoomAccountView {
  id: string;
  name: string;
  accountId: string;
  clientId: string;
  hostUser: string;
  webhookUrl: string;
  createdAt: string;
}

interface ZoomAccount extends ZoomAccountView {
  credentials: ZoomCredentials;
  webhookSecretToken: string;
}

interface AccountSecrets {
  clientSecret: string;
  webhookSecretToken: string;
}

export interface NewZoomAccount {
  name: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  webhookSecretToken: string;
  /** The Zoom user whose meetings Aula creates and whose recordings it syncs; `me` by default. */
  hostUser?: string | undefined;
}

export interface ZoomWebhookRequest {
  accountId: string;
  rawBody: Buffer;
  body: unknown;
  timestamp: string | undefined;
  signature: string | undefined;
}

export interface ZoomServiceDeps {
  store: ProviderStore<ZoomAccountSettings>;
  api: ZoomApi;
  liveClassesRepo: Pick<LiveClassRepository, 'getByProviderMeeting' | 'get' | 'update'>;
  /** Read when an event arrives: the live class service is built after this one, with its hooks. */
  liveClasses: () => Pick<LiveClassService, 'start' | 'end'>;
  recordings: Pick<RecordingService, 'createFromFile' | 'recordFailedImport' | 'completeFailedImport' | 'attachCaptions' | 'softDelete' | 'restore'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  /** `describe` tells a captions job whether the import of its recording is still on its way. */
  queue: Pick<JobQueue, 'enqueue' | 'describe'>;
  clock: Clock;
  logger: Logger;
  /** Encrypts account secrets and download tokens at rest. */
  secretKey: Buffer;
  publicUrl: string;
  /** Where downloads are streamed before they move into storage; one folder per job, removed when it ends. */
  scratchDir: string;
}

type WebhookAnswer = Record<string, unknown>;

export function createZoomService(deps: ZoomServiceDeps) {
  const { store, api, clock, logger } = deps;
  const log = logger.child({ provider: PROVIDER });
  const cache = new Map<string, { account: ZoomAccount; until: number }>();
  let lastPrune = 0;

  function view(row: ProviderAccountRow<ZoomAccountSettings>): ZoomAccountView {
    return {
      id: row.id, name: row.name, accountId: row.settings.accountId, clientId: row.settings.clientId, hostUser: row.settings.hostUser,
      webhookUrl: `${deps.publicUrl}/webhooks/zoom/${row.id}`, createdAt: row.createdAt,
    };
  }

  async function loadAccount(id: string): Promise<ZoomAccount | null> {
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.account;
    const row = await store.getAccount(id);
    if (!row) {
      cache.delete(id);
      return null;
    }
    const secrets = JSON.parse(decryptSecret(deps.secretKey, row.secretsEncrypted)) as AccountSecrets;
    const account: ZoomAccount = {
      ...view(row),
      credentials: { accountId: row.settings.accountId, clientId: row.settings.clientId, clientSecret: secrets.clientSecret },
      webhookSecretToken: secrets.webhookSecretToken,
    };
    cache.set(id, { account, until: Date.now() + ACCOUNT_CACHE_MS });
    return account;
  }

  async function mustAccount(id: string): Promise<ZoomAccount> {
    const account = await loadAccount(id);
    if (!account) throw new NotFound('Zoom account', id);
    return account;
  }

  /** The Aula class of a Zoom meeting, when it was made through this account and still exists. */
  async function classFor(account: ZoomAccount, meetingId: string): Promise<LiveClassRecord | null> {
    const cls = await deps.liveClassesRepo.getByProviderMeeting('zoom', meetingId);
    return cls && !cls.deletedAt && cls.providerAccountId === account.id ? cls : null;
  }

  async function accountForClass(cls: LiveClassRecord): Promise<ZoomAccount> {
    if (!cls.providerAccountId) throw new Unprocessable('A Zoom class needs providerAccountId: the Zoom account to create the meeting in');
    const account = await loadAccount(cls.providerAccountId);
    if (!account) throw new Unprocessable(`Zoom account ${cls.providerAccountId} does not exist; create it with POST /api/v1/providers/zoom/accounts`);
    return account;
  }

  // ---- live class hooks

  const hooks: LiveClassProviderHooks = {
    recordsInProviderCloud: true,

    async created(cls) {
      const account = await accountForClass(cls);
      try {
        const meeting = await api.createMeeting(account.credentials, account.hostUser, {
          topic: cls.title, startTime: cls.startsAt, durationMinutes: cls.durationMinutes, autoRecording: cls.autoRecord ? 'cloud' : 'none',
        });
        log.info({ liveClassId: cls.id, meetingId: meeting.id }, 'created Zoom meeting');
        return {
          providerMeetingId: String(meeting.id),
          providerData: { uuid: meeting.uuid, join_url: meeting.join_url, start_url: meeting.start_url, start_url_issued_at: isoNow(clock) },
        };
      } catch (err) {
        if (err instanceof ZoomApiError) throw new Unprocessable(`Zoom did not create the meeting, so the class was not scheduled: ${err.message}`);
        throw err;
      }
    },

    async updated(cls) {
      if (!cls.providerMeetingId || cls.status !== 'scheduled') return;
      const account = await accountForClass(cls);
      try {
        await api.updateMeeting(account.credentials, cls.providerMeetingId, {
          topic: cls.title, startTime: cls.startsAt, durationMinutes: cls.durationMinutes, autoRecording: cls.autoRecord ? 'cloud' : 'none',
        });
      } catch (err) {
        if (err instanceof ZoomApiError) throw new Unprocessable(`The class was saved in Aula but its Zoom meeting was not updated (${err.message}); save it again to retry`);
        throw err;
      }
    },

    async deleted(cls) {
      if (!cls.providerMeetingId || !cls.providerAccountId) return;
      const account = await loadAccount(cls.providerAccountId);
      if (!account) return;
      try {
        await api.deleteMeeting(account.credentials, cls.providerMeetingId);
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        // The class goes away in Aula either way; a meeting Zoom no longer has is what we wanted.
        if (err.kind !== 'not_found') log.warn({ err, liveClassId: cls.id, meetingId: cls.providerMeetingId }, 'could not delete the Zoom meeting of a deleted class');
      }
    },

    async renewHostLink(cls) {
      const data = cls.providerData;
      if (!cls.providerMeetingId || !data || typeof data.start_url !== 'string') return cls;
      // A class that is over has no meeting left to start.
      if (cls.status === 'ended' || cls.status === 'cancelled') return cls;
      // Classes made before the issue time was kept got their link when they were created.
      const issuedAt = Date.parse(typeof data.start_url_issued_at === 'string' ? data.start_url_issued_at : cls.createdAt);
      const age = clock.now().getTime() - issuedAt;
      if (age < START_URL_RENEW_AFTER_MS) return cls;
      const account = cls.providerAccountId ? await loadAccount(cls.providerAccountId) : null;
      let meeting: ZoomMeeting | null = null;
      try {
        meeting = account && (await api.getMeeting(account.credentials, cls.providerMeetingId));
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        log.warn({ liveClassId: cls.id, meetingId: cls.providerMeetingId, err: err.message }, 'could not renew the Zoom start link');
      }
      if (meeting) {
        const providerData = { ...data, start_url: meeting.start_url, start_url_issued_at: isoNow(clock) };
        await deps.liveClassesRepo.update(cls.id, { providerData, now: isoNow(clock) });
        log.info({ liveClassId: cls.id, meetingId: cls.providerMeetingId }, 'renewed the Zoom start link');
        return { ...cls, providerData };
      }
      if (age < START_URL_LIFETIME_MS) return cls;
      // A lapsed link only fails in Zoom; without one the host starts the meeting from Zoom itself.
      const { start_url: _lapsedLink, ...withoutHostLink } = data;
      return { ...cls, providerData: withoutHostLink };
    },
  };

  // ---- webhook

  async function moveClass(cls: LiveClassRecord, to: 'live' | 'ended'): Promise<WebhookAnswer> {
    const classes = deps.liveClasses();
    const quietly = async (step: () => Promise<unknown>) => {
      try {
        await step();
        return null;
      } catch (err) {
        // Zoom's events repeat and arrive out of order; a class already there is not an error.
        if (err instanceof DomainError && (err.code === 'illegal_transition' || err.code === 'conflict' || err.code === 'not_found')) return err.message;
        throw err;
      }
    };
    if (to === 'ended' && cls.status === 'scheduled') await quietly(() => classes.start(ACTOR, cls.id));
    const skipped = await quietly(() => (to === 'live' ? classes.start(ACTOR, cls.id) : classes.end(ACTOR, cls.id)));
    return skipped ? { liveClassId: cls.id, ignored: skipped } : { liveClassId: cls.id, status: to };
  }

  async function enqueueImport(account: ZoomAccount, recording: { id: string; uuid: string }, segment: ZoomSegment, downloadToken: string | null) {
    const data: JobCatalogue['import-provider-recording'] = {
      provider: 'zoom', accountId: account.id, meetingId: recording.id, meetingUuid: recording.uuid, recordingFileId: segment.media.id,
      delivered: downloadToken ? { segment, downloadTokenEncrypted: encryptSecret(deps.secretKey, downloadToken) } : null,
    };
    await deps.queue.enqueue('import-provider-recording', data, { dedupeKey: importJobKey(segment.media.id), maxAttempts: IMPORT_MAX_ATTEMPTS });
  }

  async function enqueueCaptions(account: ZoomAccount, recording: { id: string; uuid: string }, transcriptFileId: string, delivered: { segment: ZoomSegment; downloadToken: string } | null) {
    const data: JobCatalogue['import-provider-captions'] = {
      provider: 'zoom', accountId: account.id, meetingId: recording.id, meetingUuid: recording.uuid, transcriptFileId,
      delivered: delivered ? { segment: delivered.segment, downloadTokenEncrypted: encryptSecret(deps.secretKey, delivered.downloadToken) } : null,
    };
    await deps.queue.enqueue('import-provider-captions', data, { dedupeKey: captionsJobKey(transcriptFileId), maxAttempts: CAPTIONS_MAX_ATTEMPTS });
  }

  /** False when the recording is already deleted (Zoom's events repeat). */
  async function softDeleteQuietly(recordingId: string, reason: string): Promise<boolean> {
    try {
      await deps.recordings.softDelete(ACTOR, recordingId, reason);
      return true;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return false;
    }
  }

  /**
   * The Aula recording of a segment Zoom trashed before Aula imported it: kept as deleted, so an import still queued
   * or running finds it and stops, and staff see why. Restored (`recording.recovered`), it is a failed import that
   * the next import of the segment completes.
   */
  async function recordDeletedBeforeImport(cls: LiveClassRecord, segment: ZoomSegment, reason: string): Promise<boolean> {
    const externalRef = `zoom:${segment.media.id}`;
    let recordingId: string;
    try {
      recordingId = (await deps.recordings.recordFailedImport(ACTOR, cls.id, {
        title: segmentTitle(cls, segment), startedAt: segment.start, externalRef, source: 'zoom',
        reason: `The ${describeSegment(segment)} was ${reason} before Aula imported it.`,
      })).id;
    } catch (err) {
      // The import stored its recording first (the external reference is unique): that one is deleted instead.
      const imported = await deps.recordingsRepo.getByExternalRef(externalRef);
      if (!imported) throw err;
      recordingId = imported.id;
    }
    return softDeleteQuietly(recordingId, reason);
  }

  /** Aula recordings imported from these Zoom files through this account. */
  async function importedFrom(account: ZoomAccount, object: ZoomRecordingObject): Promise<RecordingRecord[]> {
    const found: RecordingRecord[] = [];
    for (const f of object.recording_files) {
      if (!f.id) continue;
      const rec = await deps.recordingsRepo.getByExternalRef(`zoom:${f.id}`);
      if (!rec) continue;
      const cls = await deps.liveClassesRepo.get(rec.liveClassId);
      if (cls?.providerAccountId === account.id) found.push(rec);
    }
    return found;
  }

  async function dispatch(account: ZoomAccount, event: Exclude<ZoomEvent, { event: 'endpoint.url_validation' }>): Promise<WebhookAnswer> {
    const object = event.payload.object;
    switch (event.event) {
      case 'meeting.started':
      case 'meeting.ended': {
        const cls = await classFor(account, object.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        return moveClass(cls, event.event === 'meeting.started' ? 'live' : 'ended');
      }
      case 'recording.completed': {
        const cls = await classFor(account, event.payload.object.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        const segments = groupZoomSegments(event.payload.object.recording_files);
        if (segments.length === 0) return { liveClassId: cls.id, ignored: 'the event lists no finished MP4 or M4A file' };
        for (const segment of segments) await enqueueImport(account, event.payload.object, segment, event.download_token ?? null);
        return { liveClassId: cls.id, segments: segments.length };
      }
      case 'recording.transcript_completed': {
        const recording = event.payload.object;
        const cls = await classFor(account, recording.id);
        if (!cls) return { ignored: 'no Aula class uses this meeting' };
        const transcripts = zoomTranscripts(recording.recording_files);
        if (transcripts.length === 0) return { liveClassId: cls.id, ignored: 'the event lists no finished transcript' };
        // Zoom's event may list only the transcript; its segment is then found through the API by the job.
        const segments = groupZoomSegments(recording.recording_files);
        for (const transcript of transcripts) {
          const segment = segments.find((s) => s.transcript?.id === transcript.id);
          await enqueueCaptions(account, recording, transcript.id, segment && event.download_token ? { segment, downloadToken: event.download_token } : null);
        }
        return { liveClassId: cls.id, transcripts: transcripts.length };
      }
      case 'recording.trashed':
      case 'recording.deleted': {
        const recording = event.payload.object;
        const reason = `${event.event === 'recording.trashed' ? 'moved to the trash' : 'deleted'} in Zoom`;
        let deleted = 0;
        for (const rec of await importedFrom(account, recording)) {
          if (rec.status !== 'deleted' && (await softDeleteQuietly(rec.id, reason))) deleted++;
        }
        // Segments not in Aula yet, whose import may be queued or running: the deletion must win over it.
        const cls = await classFor(account, recording.id);
        if (cls) {
          for (const segment of groupZoomSegments(recording.recording_files)) {
            if (await deps.recordingsRepo.getByExternalRef(`zoom:${segment.media.id}`)) continue;
            if (await recordDeletedBeforeImport(cls, segment, reason)) deleted++;
          }
        }
        return { deleted };
      }
      case 'recording.recovered': {
        const recording = event.payload.object;
        let restored = 0;
        for (const rec of await importedFrom(account, recording)) {
          if (rec.status !== 'deleted') continue;
          try {
            await deps.recordings.restore(ACTOR, rec.id);
            restored++;
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            log.warn({ recordingId: rec.id, reason: err.message }, 'could not restore a recording Zoom recovered');
          }
        }
        // Recordings trashed before their import finished come back without media: import them now.
        let reimporting = 0;
        if (await classFor(account, recording.id)) {
          for (const segment of groupZoomSegments(recording.recording_files)) {
            const rec = await deps.recordingsRepo.getByExternalRef(`zoom:${segment.media.id}`);
            if (rec?.status !== 'failed' || rec.sourceKey) continue;
            await enqueueImport(account, recording, segment, null);
            reimporting++;
          }
        }
        return { restored, reimporting };
      }
    }
  }

  function pruneDeliveriesNow() {
    if (Date.now() - lastPrune < 3_600_000) return;
    lastPrune = Date.now();
    const before = new Date(clock.now().getTime() - DELIVERY_RETENTION_MS).toISOString();
    void store.pruneDeliveries(before).catch((err: unknown) => log.warn({ err }, 'could not prune old webhook deliveries'));
  }

  async function handleWebhook(req: ZoomWebhookRequest): Promise<WebhookAnswer> {
    const account = await mustAccount(req.accountId);
    const check = verifyZoomSignature({ secretToken: account.webhookSecretToken, timestamp: req.timestamp, signature: req.signature, rawBody: req.rawBody, nowMs: clock.now().getTime() });
    if (!check.ok) {
      log.warn({ accountId: account.id, reason: check.reason }, 'refused a Zoom webhook');
      throw new Unauthenticated(
        check.reason === 'missing_headers'
          ? 'Missing or malformed x-zm-signature / x-zm-request-timestamp headers'
          : check.reason === 'stale_timestamp'
            ? 'x-zm-request-timestamp is more than 5 minutes away from Aula\'s clock; the event is refused'
            : 'x-zm-signature does not match the webhook secret token of this Zoom account',
      );
    }
    const parsed = parseZoomEvent(req.body);
    if (parsed.kind === 'invalid') throw new DomainError('bad_request', parsed.message);
    if (parsed.kind === 'ignored') return { received: true, ignored: `Aula does not use ${parsed.event} events` };
    const event = parsed.event;
    if (event.event === 'endpoint.url_validation') return zoomUrlValidationAnswer(account.webhookSecretToken, event.payload.plainToken);
    if (event.payload.account_id && event.payload.account_id !== account.accountId) return { received: true, ignored: 'the event is for another Zoom account' };

    pruneDeliveriesNow();
    const deliveryId = `${account.id}:${zoomDeliveryId(event)}`;
    if (!(await store.rememberDelivery(deliveryId, isoNow(clock)))) {
      log.info({ accountId: account.id, event: event.event, meetingUuid: event.payload.object.uuid }, 'duplicate Zoom delivery ignored');
      return { received: true, duplicate: true };
    }
    try {
      const outcome = await dispatch(account, event);
      log.info({ accountId: account.id, event: event.event, meetingId: event.payload.object.id, ...outcome }, 'Zoom event handled');
      return { received: true, event: event.event, ...outcome };
    } catch (err) {
      // Not handled: Zoom's retry of this delivery must be taken, not dropped as a duplicate.
      await store.forgetDelivery(deliveryId).catch((e: unknown) => log.error({ err: e }, 'could not forget a failed delivery'));
      throw err;
    }
  }

  // ---- import job

  function segmentTitle(cls: LiveClassRecord, segment: ZoomSegment): string {
    return segment.count > 1 ? `${cls.title} (part ${segment.index} of ${segment.count})` : cls.title;
  }

  function describeSegment(segment: ZoomSegment): string {
    const at = segment.start.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, ' UTC');
    return `${segment.media.fileType} of ${segment.count > 1 ? `part ${segment.index} of ${segment.count}, ` : ''}started ${at}`;
  }

  /**
   * A segment of the meeting instance and a download token: the webhook's when given (a first attempt), otherwise
   * fresh ones from Zoom's API, where the segment is the one `matches` picks.
   */
  async function resolveSegment(
    account: ZoomAccount,
    meetingUuid: string,
    matches: (segment: ZoomSegment) => boolean,
    delivered: { segment: ZoomSegment; downloadTokenEncrypted: string } | null | undefined,
  ): Promise<{ segment: ZoomSegment; token: string } | { gone: string }> {
    if (delivered) return { segment: delivered.segment, token: decryptSecret(deps.secretKey, delivered.downloadTokenEncrypted) };
    let fresh;
    try {
      fresh = await api.getMeetingRecordings(account.credentials, meetingUuid);
    } catch (err) {
      if (err instanceof ZoomApiError && err.kind === 'not_found') return { gone: 'Zoom no longer has this meeting\'s recordings' };
      throw err;
    }
    const segment = groupZoomSegments(fresh.recording_files).find(matches);
    if (!segment) return { gone: 'Zoom no longer lists this recording file' };
    const token = fresh.download_access_token ?? (await api.accessToken(account.credentials));
    return { segment, token };
  }

  async function download(file: ZoomFileRef, token: string, dest: string, signal: AbortSignal) {
    // Zoom's file_size is exact for media; a short media file is retried rather than processed.
    const media = file.fileType === 'MP4' || file.fileType === 'M4A';
    return api.downloadFile(file.downloadUrl, token, dest, { expectedBytes: media ? file.size : null, signal });
  }

  /** A chat or transcript: worth a retry while attempts remain, left out (with a log line) on the last one or when Zoom has none. */
  async function sidecar(kind: 'chat' | 'transcript', file: ZoomFileRef | null, token: string, dest: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>): Promise<string | null> {
    if (!file) return null;
    try {
      await download(file, token, dest, signal);
    } catch (err) {
      if (!(err instanceof ZoomApiError) || (err.retryable && !last)) throw err;
      log.warn({ ...ctx, err: err.message, fileId: file.id }, `continuing without the ${kind}`);
      return null;
    }
    const info = await stat(dest);
    if (info.size > MAX_SIDECAR_BYTES) {
      log.warn({ ...ctx, size: info.size }, `the ${kind} file is too large; continuing without it`);
      return null;
    }
    return dest;
  }

  async function prepareSidecars(segment: ZoomSegment, token: string, dir: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>) {
    const sidecars: { chatLocalPath?: string; captionsLocalPath?: string } = {};
    const chatRaw = await sidecar('chat', segment.chat, token, path.join(dir, 'chat.txt'), last, signal, ctx);
    if (chatRaw && segment.chat) {
      const offset = (Date.parse(segment.chat.recordingStart) - Date.parse(segment.start)) / 1000;
      const { messages, skipped } = parseZoomChat(await readFile(chatRaw, 'utf8'), Math.max(0, offset));
      if (skipped) log.info({ ...ctx, skipped, kept: messages.length }, 'left out chat lines that are not public messages');
      if (messages.length > 0) {
        sidecars.chatLocalPath = path.join(dir, 'chat.jsonl');
        await writeFile(sidecars.chatLocalPath, toChatJsonLines(messages));
      }
    }
    const vtt = await captionsFrom(segment.transcript, token, dir, last, signal, ctx);
    if (vtt) sidecars.captionsLocalPath = vtt;
    return sidecars;
  }

  /** Zoom's transcript as a WebVTT file in `dir`, or null when there is none or it cannot be used. */
  async function captionsFrom(file: ZoomFileRef | null, token: string, dir: string, last: boolean, signal: AbortSignal, ctx: Record<string, unknown>): Promise<string | null> {
    const vtt = await sidecar('transcript', file, token, path.join(dir, 'captions.vtt'), last, signal, ctx);
    if (!vtt) return null;
    const head = (await readFile(vtt, 'utf8')).replace(/^\uFEFF/, '').slice(0, 6);
    if (head === 'WEBVTT') return vtt;
    log.warn(ctx, 'the transcript is not WebVTT; continuing without captions');
    return null;
  }

  const importHandler: JobHandler<'import-provider-recording'> = honouringRetryAfter({
    async run(data, jobCtx) {
      const externalRef = `zoom:${data.recordingFileId}`;
      const existing = await deps.recordingsRepo.getByExternalRef(externalRef);
      const healing = existing && existing.status === 'failed' && !existing.sourceKey ? existing : null;
      if (existing?.status === 'deleted') return { outcome: 'skipped', detail: `recording ${existing.id} is deleted (in Zoom or in Aula); not imported` };
      if (existing && !healing) return { outcome: 'skipped', detail: `already imported as recording ${existing.id}` };
      const account = await loadAccount(data.accountId);
      if (!account) return { outcome: 'skipped', detail: 'the Zoom account was removed' };
      const cls = await classFor(account, data.meetingId);
      if (!cls) return { outcome: 'skipped', detail: 'no Aula class uses this meeting any more' };
      const ctx = { liveClassId: cls.id, meetingUuid: data.meetingUuid, fileId: data.recordingFileId, jobId: jobCtx.jobId, attempt: jobCtx.attempt };

      let resolved: Awaited<ReturnType<typeof resolveSegment>>;
      try {
        resolved = await resolveSegment(account, data.meetingUuid, (s) => s.media.id === data.recordingFileId, jobCtx.attempt === 1 ? data.delivered : null);
      } catch (err) {
        if (!(err instanceof ZoomApiError) || err.retryable || healing) throw err;
        const reason = `Zoom refused to list this recording's files (${err.message}). Run a Zoom sync covering that day to try again.`;
        await deps.recordings.recordFailedImport(ACTOR, cls.id, {
          title: data.delivered ? segmentTitle(cls, data.delivered.segment) : cls.title, startedAt: data.delivered?.segment.start ?? isoNow(clock), externalRef, source: 'zoom', reason,
        });
        return { outcome: 'done', detail: `failed: ${reason}` };
      }
      if ('gone' in resolved) return { outcome: 'skipped', detail: resolved.gone };
      const { segment, token } = resolved;
      const last = jobCtx.attempt >= jobCtx.maxAttempts;
      const dir = path.join(deps.scratchDir, jobCtx.jobId);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      try {
        const mediaPath = path.join(dir, `media.${segment.media.extension}`);
        let media: { bytes: number } | null = null;
        let permanentError: ZoomApiError | null = null;
        try {
          media = await download(segment.media, token, mediaPath, jobCtx.signal);
        } catch (err) {
          if (!(err instanceof ZoomApiError) || err.retryable) throw err;
          permanentError = err;
        }
        const sidecars = await prepareSidecars(segment, token, dir, last || permanentError !== null, jobCtx.signal, ctx);
        if (!media) {
          const why = permanentError?.kind === 'not_found' ? 'the file is not in Zoom\'s cloud (deleted, or not kept)' : 'Zoom refused the download';
          const reason = `Zoom answered HTTP ${permanentError?.status ?? '?'} for the ${describeSegment(segment)}: ${why}. Any chat or captions were kept. When the file is back in Zoom, run a Zoom sync covering that day to import it.`;
          if (healing) return { outcome: 'done', detail: `still failing: ${reason}` };
          const failed = await deps.recordings.recordFailedImport(ACTOR, cls.id, {
            title: segmentTitle(cls, segment), startedAt: segment.start, externalRef, source: 'zoom', reason, sidecars,
          });
          log.warn({ ...ctx, recordingId: failed.id, reason }, 'Zoom recording could not be imported');
          return { outcome: 'done', detail: `failed: ${reason}` };
        }
        const fileName = `zoom-${segment.index}.${segment.media.extension}`;
        if (healing) {
          try {
            await deps.recordings.completeFailedImport(ACTOR, healing.id, { localPath: mediaPath, sizeBytes: media.bytes, fileName, sidecars });
          } catch (err) {
            // Deleted (trashed in Zoom) while the file was on its way: the deletion stands.
            if ((await deps.recordingsRepo.getByExternalRef(externalRef))?.status === 'deleted') return { outcome: 'skipped', detail: `recording ${healing.id} was deleted meanwhile` };
            throw err;
          }
          return { outcome: 'done', detail: `imported into recording ${healing.id}` };
        }
        // Made meanwhile by a repeated delivery, or by Zoom's trash event, which then wins.
        const meanwhile = await deps.recordingsRepo.getByExternalRef(externalRef);
        if (meanwhile) return { outcome: 'skipped', detail: `recording ${meanwhile.id} was made meanwhile (${meanwhile.status})` };
        let rec: RecordingRecord;
        try {
          rec = await deps.recordings.createFromFile(ACTOR, cls.id, {
            title: segmentTitle(cls, segment), localPath: mediaPath, sizeBytes: media.bytes, fileName, startedAt: segment.start, externalRef, source: 'zoom', sidecars,
          });
        } catch (err) {
          // The external reference is unique: whoever stored theirs first keeps it, and this file is not kept.
          const other = await deps.recordingsRepo.getByExternalRef(externalRef);
          if (other) return { outcome: 'skipped', detail: `recording ${other.id} was made meanwhile (${other.status})` };
          throw err;
        }
        log.info({ ...ctx, recordingId: rec.id, bytes: media.bytes, chat: Boolean(sidecars.chatLocalPath), captions: Boolean(sidecars.captionsLocalPath) }, 'imported Zoom recording');
        return { outcome: 'done', detail: `imported as recording ${rec.id}` };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    /** Every attempt failed on something that looked passing (Zoom down, token refused): staff see why. */
    async onExhausted(data, error) {
      const externalRef = `zoom:${data.recordingFileId}`;
      if (await deps.recordingsRepo.getByExternalRef(externalRef)) return;
      const account = await loadAccount(data.accountId);
      const cls = account && (await classFor(account, data.meetingId));
      if (!cls) return;
      const segment = data.delivered?.segment;
      await deps.recordings.recordFailedImport(ACTOR, cls.id, {
        title: segment ? segmentTitle(cls, segment) : cls.title, startedAt: segment?.start ?? isoNow(clock), externalRef, source: 'zoom',
        reason: `Aula could not download this recording from Zoom after ${IMPORT_MAX_ATTEMPTS} attempts (last error: ${error.message}). Run a Zoom sync covering that day to try again.`,
      });
    },
  });

  /** The import of this Zoom file is queued or running: its Aula recording does not exist yet, or is being made. */
  async function importOnItsWay(recordingFileId: string): Promise<boolean> {
    const job = await deps.queue.describe(importJobKey(recordingFileId));
    return job?.status === 'queued' || job?.status === 'running';
  }

  const captionsHandler: JobHandler<'import-provider-captions'> = honouringRetryAfter({
    async run(data, jobCtx) {
      const account = await loadAccount(data.accountId);
      if (!account) return { outcome: 'skipped', detail: 'the Zoom account was removed' };
      const cls = await classFor(account, data.meetingId);
      if (!cls) return { outcome: 'skipped', detail: 'no Aula class uses this meeting any more' };
      const ctx = { liveClassId: cls.id, meetingUuid: data.meetingUuid, transcriptFileId: data.transcriptFileId, jobId: jobCtx.jobId, attempt: jobCtx.attempt };

      // Matched as the import matches its chat and transcript: by meeting instance, then by recording_start.
      const resolved = await resolveSegment(account, data.meetingUuid, (s) => s.transcript?.id === data.transcriptFileId, jobCtx.attempt === 1 ? data.delivered : null);
      if ('gone' in resolved) return { outcome: 'skipped', detail: `${resolved.gone}; the import of its media takes the transcript when Zoom lists both` };
      const { segment, token } = resolved;
      const transcript = segment.transcript;
      if (transcript?.id !== data.transcriptFileId) return { outcome: 'skipped', detail: 'Zoom no longer lists this transcript' };

      // The queue is asked before the recording: an import that finishes in between is then seen by the second read.
      if (await importOnItsWay(segment.media.id)) throw new WaitingForRecording(`the import of Zoom file ${segment.media.id} is still queued or running`);
      const rec = await deps.recordingsRepo.getByExternalRef(`zoom:${segment.media.id}`);
      if (!rec) {
        // Its recording.completed is late or lost: import the segment now, transcript included, and check back.
        await enqueueImport(account, { id: data.meetingId, uuid: data.meetingUuid }, segment, token);
        throw new WaitingForRecording(`the import of Zoom file ${segment.media.id} was queued with its transcript`);
      }
      if (rec.captionsKey) return { outcome: 'skipped', detail: `recording ${rec.id} already has captions` };
      if (rec.purgedAt) return { outcome: 'skipped', detail: `recording ${rec.id} was deleted and purged` };
      // The pipeline rewrites the media it publishes while it runs; captions are attached once it has finished.
      if (rec.status === 'processing' || (rec.status === 'ready' && rec.progress?.stage !== 'done')) throw new WaitingForRecording(`recording ${rec.id} is still being processed`);

      const dir = path.join(deps.scratchDir, jobCtx.jobId);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      try {
        const vtt = await captionsFrom(transcript, token, dir, jobCtx.attempt >= jobCtx.maxAttempts, jobCtx.signal, { ...ctx, recordingId: rec.id });
        if (!vtt) return { outcome: 'done', detail: `Zoom's transcript could not be used; recording ${rec.id} has no captions` };
        await deps.recordings.attachCaptions(rec.id, vtt);
        log.info({ ...ctx, recordingId: rec.id }, 'attached Zoom\'s transcript as captions');
        return { outcome: 'done', detail: `captions attached to recording ${rec.id}` };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async onExhausted(data, error) {
      log.warn({ accountId: data.accountId, meetingUuid: data.meetingUuid, transcriptFileId: data.transcriptFileId, err: error.message }, 'gave up attaching Zoom\'s transcript; a Zoom sync does not add it to a recording already imported');
    },
  });

  // ---- sync

  /** Zoom lists recordings by UTC date, at most a month at a time. */
  function dateWindows(from: string, to: string): { from: string; to: string }[] {
    const windows: { from: string; to: string }[] = [];
    let start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`);
    while (start <= end) {
      const stop = Math.min(end, start + 29 * 86_400_000);
      windows.push({ from: new Date(start).toISOString().slice(0, 10), to: new Date(stop).toISOString().slice(0, 10) });
      start = stop + 86_400_000;
    }
    return windows;
  }

  async function sync(actor: Principal, accountId: string, range: { from?: string | undefined; to?: string | undefined }) {
    requireRole(actor, 'admin');
    const account = await mustAccount(accountId);
    const today = clock.now().toISOString().slice(0, 10);
    const to = range.to ?? today;
    const from = range.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
    if (!(span >= 0)) throw new Unprocessable(`from (${from}) must not be after to (${to})`);
    if (span > 366) throw new Unprocessable('Sync at most a year at a time');
    const result = { from, to, meetings: 0, unknownMeetings: 0, segments: 0, alreadyImported: 0, enqueued: 0 };
    const seen = new Set<string>();
    try {
      for (const window of dateWindows(from, to)) {
        for await (const meeting of api.listRecordings(account.credentials, account.hostUser, window)) {
          if (seen.has(meeting.uuid)) continue;
          seen.add(meeting.uuid);
          result.meetings++;
          const cls = await classFor(account, String(meeting.id));
          if (!cls) {
            result.unknownMeetings++;
            continue;
          }
          for (const segment of groupZoomSegments(meeting.recording_files)) {
            result.segments++;
            const existing = await deps.recordingsRepo.getByExternalRef(`zoom:${segment.media.id}`);
            if (existing && !(existing.status === 'failed' && !existing.sourceKey)) {
              result.alreadyImported++;
              continue;
            }
            await enqueueImport(account, { id: String(meeting.id), uuid: meeting.uuid }, segment, null);
            result.enqueued++;
          }
        }
      }
    } catch (err) {
      if (err instanceof ZoomApiError) throw new Unprocessable(`Zoom's recording list could not be read: ${err.message}`);
      throw err;
    }
    log.info({ accountId, ...result }, 'Zoom sync done');
    return result;
  }

  return {
    hooks,
    importHandler,
    captionsHandler,
    handleWebhook,
    sync,

    async createAccount(actor: Principal, input: NewZoomAccount): Promise<ZoomAccountView> {
      requireRole(actor, 'admin');
      const hostUser = input.hostUser ?? 'me';
      const credentials: ZoomCredentials = { accountId: input.accountId, clientId: input.clientId, clientSecret: input.clientSecret };
      try {
        await api.checkCredentials(credentials);
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        throw new Unprocessable(err.kind === 'unauthorized' ? `Zoom refused these credentials: ${err.message}` : `Could not check the credentials with Zoom: ${err.message}`);
      }
      const row: ProviderAccountRow<ZoomAccountSettings> = {
        id: newId(), name: input.name, settings: { accountId: input.accountId, clientId: input.clientId, hostUser },
        secretsEncrypted: encryptSecret(deps.secretKey, JSON.stringify({ clientSecret: input.clientSecret, webhookSecretToken: input.webhookSecretToken } satisfies AccountSecrets)),
        createdAt: isoNow(clock),
      };
      await store.insertAccount(row);
      log.info({ accountId: row.id, zoomAccountId: input.accountId }, 'Zoom account added');
      return view(row);
    },

    async listAccounts(actor: Principal): Promise<ZoomAccountView[]> {
      requireRole(actor, 'admin');
      return (await store.listAccounts()).map(view);
    },

    async deleteAccount(actor: Principal, id: string): Promise<void> {
      requireRole(actor, 'admin');
      const account = await loadAccount(id);
      if (!(await store.deleteAccount(id))) throw new NotFound('Zoom account', id);
      cache.delete(id);
      if (account) api.forget(account.credentials);
      log.info({ accountId: id }, 'Zoom account removed');
    },
  };
}

export type ZoomService = ReturnType<typeof createZoomService>;
