import path from 'node:path';
import { isoNow } from '../../../../adapters/clock';
import { CloudflareApiError } from '../../../../domain/providers/cloudflare/api-error';
import { downloadUrlLapsed, fileSizeOf, RealtimeKitStatusUpdate } from '../../../../domain/providers/cloudflare/events';
import type { JobHandler } from '../../../../jobs/queue';
import type { CloudflareAccount } from '../account';
import { ACTOR, RTK_IMPORT_MAX_ATTEMPTS, rtkRef } from '../refs';
import type { RtkContext } from '../rtk-context';
import type { RtkJobsDeps } from '../rtk-jobs';

/** `cloudflare.import-rtk`: RealtimeKit's uploaded file becomes the source of the recording started in Aula, or a new recording. */
export function importRtkJob(
  deps: Pick<RtkJobsDeps, 'api' | 'loadAccount' | 'readInbox' | 'remoteImport' | 'recordings' | 'recordingsRepo' | 'liveClassesRepo' | 'scratch' | 'maxDownloadBytes' | 'clock'>,
  rtk: RtkContext,
): JobHandler<'cloudflare.import-rtk'> {
  const { api } = deps;

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

  return {
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

      const firstUrl = info.url;
      return deps.scratch(jobCtx.jobId, async (dir) => {
        const file = path.join(dir, 'recording.mp4');
        let bytes: number;
        try {
          bytes = (await api.download(firstUrl, file, { maxBytes: deps.maxDownloadBytes, signal: jobCtx.signal })).bytes;
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
      });

      async function failOrRetry(err: CloudflareApiError): Promise<{ outcome: 'done'; detail: string }> {
        if (err.retryable) throw err;
        const reason = `Aula could not download RealtimeKit's recording: ${err.message}`;
        if (captured) {
          await rtk.fail(captured.id, reason);
          return { outcome: 'done', detail: `failed: ${reason}` };
        }
        return { outcome: 'done', detail: await deps.remoteImport.recordFailure(target, healing, reason) };
      }
    },
    async onExhausted(data, error) {
      const rec = await deps.recordingsRepo.getByExternalRef(rtkRef(data.rtkRecordingId));
      if (rec && !rec.sourceKey) await rtk.fail(rec.id, `Aula could not import RealtimeKit's recording after ${RTK_IMPORT_MAX_ATTEMPTS} attempts: ${error.message}`);
    },
  };
}
