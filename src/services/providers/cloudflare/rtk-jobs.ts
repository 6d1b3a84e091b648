import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRecord, RecordingRepository } from '../../../adapters/db/recording-repository';
import type { CloudflareApi, RtkRecording } from '../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../domain/providers/cloudflare/api-error';
import { downloadUrlLapsed, fileSizeOf, RealtimeKitStatusUpdate } from '../../../domain/providers/cloudflare/events';
import type { JobHandler, JobQueue } from '../../../jobs/catalogue';
import type { ProviderCapture, RecordingService } from '../../recordings';
import type { RemoteImport } from '../remote-import';
import type { InboxReader } from '../webhook-intake';
import type { CloudflareAccount } from './account';
import { modeOf } from './hooks';
import { ACTOR } from './stream-jobs';

export const rtkRef = (rtkRecordingId: string) => `cloudflare:rtk:${rtkRecordingId}`;
export const importRtkJobKey = (rtkRecordingId: string) => `cloudflare-rtk:${rtkRecordingId}`;
/** A failed start is tried 3 more times with backoff, then the recording fails with the reason. */
export const START_MAX_ATTEMPTS = 4;
const IMPORT_MAX_ATTEMPTS = 10;

interface RtkCaptureState {
  rtkRecordingId: string;
}

/** Recordings of RealtimeKit classes started by hand: told to RealtimeKit by jobs. Built before the recording service. */
export function cloudflareCapture(queue: Pick<JobQueue, 'enqueue'>): ProviderCapture {
  return {
    async started(rec) {
      await queue.enqueue('cloudflare.start-recording', { recordingId: rec.id }, { dedupeKey: `cloudflare-start:${rec.id}`, maxAttempts: START_MAX_ATTEMPTS });
    },
    async stopping(rec) {
      await queue.enqueue('cloudflare.stop-recording', { recordingId: rec.id }, { dedupeKey: `cloudflare-stop:${rec.id}` });
    },
  };
}

export interface RtkJobsDeps {
  api: CloudflareApi;
  loadAccount(id: string): Promise<CloudflareAccount | null>;
  readInbox: InboxReader;
  remoteImport: RemoteImport;
  recordings: Pick<RecordingService, 'transition' | 'receiveCapturedFile'>;
  recordingsRepo: Pick<RecordingRepository, 'get' | 'getByExternalRef' | 'getProviderState' | 'swapProviderState'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'getByProviderMeeting'>;
  scratchDir: string;
  maxDownloadBytes: number;
  clock: Clock;
  log: Logger;
}

export function rtkJobs(deps: RtkJobsDeps) {
  const { api, log } = deps;

  async function contextOf(rec: RecordingRecord): Promise<{ cls: LiveClassRecord; account: CloudflareAccount } | null> {
    const cls = await deps.liveClassesRepo.get(rec.liveClassId);
    const account = cls?.providerAccountId ? await deps.loadAccount(cls.providerAccountId) : null;
    return cls && account ? { cls, account } : null;
  }

  async function stateOf(recordingId: string): Promise<RtkCaptureState | null> {
    const raw = await deps.recordingsRepo.getProviderState(recordingId);
    return raw ? (JSON.parse(raw) as RtkCaptureState) : null;
  }

  /** Fails a recording with the reason, from recording or processing. */
  async function fail(recordingId: string, reason: string) {
    const rec = await deps.recordingsRepo.get(recordingId);
    if (!rec) return;
    if (rec.status === 'recording') await deps.recordings.transition(recordingId, { to: 'processing' }, ACTOR, 'RealtimeKit recording ended', { endedAt: isoNow(deps.clock) });
    if (rec.status === 'recording' || rec.status === 'processing') await deps.recordings.transition(recordingId, { to: 'failed' }, ACTOR, 'RealtimeKit recording failed', { processingError: reason, progress: null });
    log.warn({ recordingId, reason }, 'RealtimeKit recording failed');
  }

  const startRecording: JobHandler<'cloudflare.start-recording'> = {
    async run({ recordingId }) {
      const rec = await deps.recordingsRepo.get(recordingId);
      if (!rec) return { outcome: 'skipped', detail: 'the recording no longer exists' };
      if (await stateOf(recordingId)) return { outcome: 'skipped', detail: 'already started at RealtimeKit' };
      if (rec.status !== 'recording') {
        if (rec.status === 'processing') await fail(recordingId, 'The recording was stopped before RealtimeKit started recording, so nothing was captured.');
        return { outcome: 'skipped', detail: `recording is ${rec.status}` };
      }
      const ctx = await contextOf(rec);
      if (!ctx) {
        await fail(recordingId, 'The class\'s Cloudflare account was removed, so the recording could not be started.');
        return { outcome: 'done', detail: 'no account' };
      }
      if (modeOf(ctx.cls) === 'stream') {
        await fail(recordingId, 'A Stream live input records every broadcast by itself: start broadcasting from OBS instead of starting a recording in Aula.');
        return { outcome: 'done', detail: 'stream class' };
      }
      if (!ctx.account.realtimeKit || !ctx.cls.providerMeetingId) {
        await fail(recordingId, 'The class has no RealtimeKit meeting (the account has no RealtimeKit app).');
        return { outcome: 'done', detail: 'no meeting' };
      }
      let started: RtkRecording;
      try {
        started = await api.startRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, ctx.cls.providerMeetingId);
      } catch (err) {
        if (err instanceof CloudflareApiError && !err.retryable) {
          await fail(recordingId, `RealtimeKit refused to start recording: ${err.message}`);
          return { outcome: 'done', detail: 'refused' };
        }
        throw err;
      }
      const state: RtkCaptureState = { rtkRecordingId: started.id };
      if (!(await deps.recordingsRepo.swapProviderState(recordingId, null, JSON.stringify(state), rtkRef(started.id)))) {
        await api.stopRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, started.id).catch(() => undefined);
        return { outcome: 'skipped', detail: 'another start won meanwhile' };
      }
      // Stopped in Aula while RealtimeKit was starting: it stops now.
      if ((await deps.recordingsRepo.get(recordingId))?.status !== 'recording') await stopRecording.run({ recordingId }, { jobId: '', attempt: 1, maxAttempts: 1, signal: new AbortController().signal });
      log.info({ recordingId, rtkRecordingId: started.id }, 'RealtimeKit recording started');
      return { outcome: 'done', detail: `RealtimeKit recording ${started.id}` };
    },
    async onExhausted({ recordingId }, error) {
      await fail(recordingId, `RealtimeKit did not start recording after ${START_MAX_ATTEMPTS} attempts: ${error.message}`);
    },
  };

  const stopRecording: JobHandler<'cloudflare.stop-recording'> = {
    async run({ recordingId }) {
      const state = await stateOf(recordingId);
      if (!state) return { outcome: 'skipped', detail: 'not started at RealtimeKit yet; the start stops it' };
      const rec = await deps.recordingsRepo.get(recordingId);
      const ctx = rec && (await contextOf(rec));
      if (!ctx?.account.realtimeKit) return { outcome: 'skipped', detail: 'the recording or its account is gone' };
      try {
        await api.stopRecording(ctx.account.credentials, ctx.account.realtimeKit.appId, state.rtkRecordingId);
      } catch (err) {
        // Already stopped at RealtimeKit (it stops by itself when the meeting empties): its webhook carries on.
        if (!(err instanceof CloudflareApiError) || err.retryable) throw err;
        return { outcome: 'done', detail: `RealtimeKit: ${err.message}` };
      }
      return { outcome: 'done', detail: `stopped ${state.rtkRecordingId}` };
    },
  };

  /** The recording's download URL: the webhook's while it is valid, else a fresh one from the API. */
  async function downloadInfo(account: CloudflareAccount, data: { rtkRecordingId: string; inboxId: string | null }, fresh: boolean): Promise<{ url: string | null; status: string; meetingId: string | null; startedAt: string | null; fileSize: number | null }> {
    if (!fresh && data.inboxId) {
      const raw = await deps.readInbox(data.inboxId);
      const parsed = raw ? RealtimeKitStatusUpdate.safeParse(JSON.parse(raw.toString('utf8'))) : null;
      const r = parsed?.success ? parsed.data.recording : null;
      if (r?.id === data.rtkRecordingId && r.downloadUrl && !downloadUrlLapsed(r.downloadUrlExpiry, deps.clock.now().getTime())) return { url: r.downloadUrl, status: r.status, meetingId: r.meetingId, startedAt: r.startedTime ?? null, fileSize: fileSizeOf(r.fileSize) };
    }
    const r = await api.getRecording(account.credentials, account.realtimeKit!.appId, data.rtkRecordingId);
    return { url: r.download_url, status: r.status, meetingId: r.meeting_id ?? null, startedAt: r.started_time ?? null, fileSize: fileSizeOf(r.file_size) };
  }

  const importRecording: JobHandler<'cloudflare.import-rtk'> = {
    async run(data, jobCtx) {
      const externalRef = rtkRef(data.rtkRecordingId);
      const account = await deps.loadAccount(data.accountId);
      if (!account?.realtimeKit) return { outcome: 'skipped', detail: 'the Cloudflare account (or its RealtimeKit app) was removed' };
      const existing = await deps.recordingsRepo.getByExternalRef(externalRef);
      // Started in Aula (by hand): the file becomes that recording's source.
      const captured = existing && !existing.sourceKey && (existing.status === 'recording' || existing.status === 'processing') ? existing : null;
      const decision = captured ? null : await deps.remoteImport.decide(externalRef);
      if (decision && 'skip' in decision) return { outcome: 'skipped', detail: decision.skip };
      const healing = decision?.healing ?? null;

      let info = await downloadInfo(account, data, jobCtx.attempt > 1);
      if (info.status !== 'UPLOADED' || !info.url) return { outcome: 'skipped', detail: `RealtimeKit says the recording is ${info.status}` };
      const cls = captured ? await deps.liveClassesRepo.get(captured.liveClassId) : info.meetingId ? await deps.liveClassesRepo.getByProviderMeeting('cloudflare', info.meetingId) : null;
      if (!cls || cls.deletedAt || cls.providerAccountId !== account.id) return { outcome: 'skipped', detail: 'no Aula class uses this meeting' };
      const target = { liveClassId: cls.id, externalRef, title: cls.title, startedAt: info.startedAt ? new Date(info.startedAt).toISOString() : isoNow(deps.clock), source: 'cloudflare' as const, actor: ACTOR };

      const dir = path.join(deps.scratchDir, jobCtx.jobId);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      try {
        const file = path.join(dir, 'recording.mp4');
        let bytes: number;
        try {
          bytes = (await api.download(info.url, file, { maxBytes: deps.maxDownloadBytes, signal: jobCtx.signal })).bytes;
        } catch (err) {
          if (!(err instanceof CloudflareApiError)) throw err;
          // A presigned URL that lapsed answers 403 (or 404): a fresh one is asked for once.
          if (err.kind !== 'unauthorized' && err.kind !== 'not_found') return await failOrRetry(err);
          info = await downloadInfo(account, data, true);
          if (!info.url) return await failOrRetry(err);
          try {
            bytes = (await api.download(info.url, file, { maxBytes: deps.maxDownloadBytes, signal: jobCtx.signal })).bytes;
          } catch (again) {
            if (again instanceof CloudflareApiError) return await failOrRetry(again);
            throw again;
          }
        }
        // RealtimeKit states the size (as a string): a shorter file is a broken transfer, tried again.
        if (info.fileSize && bytes !== info.fileSize) throw new CloudflareApiError('truncated', null, `received ${bytes} of the ${info.fileSize} bytes RealtimeKit announced`);
        const fileName = `realtimekit-${data.rtkRecordingId}.mp4`;
        if (captured) {
          await deps.recordings.receiveCapturedFile(ACTOR, captured.id, { localPath: file, sizeBytes: bytes, fileName });
          return { outcome: 'done', detail: `imported into recording ${captured.id}` };
        }
        return await deps.remoteImport.ingest(target, healing, { localPath: file, sizeBytes: bytes, fileName, sidecars: {} });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      async function failOrRetry(err: CloudflareApiError): Promise<{ outcome: 'done'; detail: string }> {
        if (err.retryable) throw err;
        const reason = `Aula could not download RealtimeKit's recording: ${err.message}`;
        if (captured) {
          await fail(captured.id, reason);
          return { outcome: 'done', detail: `failed: ${reason}` };
        }
        return { outcome: 'done', detail: await deps.remoteImport.recordFailure(target, healing, reason) };
      }
    },
    async onExhausted(data, error) {
      const rec = await deps.recordingsRepo.getByExternalRef(rtkRef(data.rtkRecordingId));
      if (rec && !rec.sourceKey) await fail(rec.id, `Aula could not import RealtimeKit's recording after ${IMPORT_MAX_ATTEMPTS} attempts: ${error.message}`);
    },
  };

  return { startRecording, stopRecording, importRecording, fail, importMaxAttempts: IMPORT_MAX_ATTEMPTS };
}

export type RtkJobs = ReturnType<typeof rtkJobs>;
