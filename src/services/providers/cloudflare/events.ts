import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import { type CloudflareEvent, videoOutcome } from '../../../domain/providers/cloudflare/events';
import type { JobQueue } from '../../../jobs/queue';
import { type ClassMover, moveClassQuietly } from '../class-moves';
import type { RemoteImport } from '../remote-import';
import type { CloudflareAccount } from './account';
import { ACTOR, importRtkJobKey, POLL_MAX_ATTEMPTS, rtkRef, videoRef } from './refs';
import type { RtkJobs } from './rtk-jobs';
import type { StreamJobs } from './stream-jobs';

export interface CloudflareEventsDeps {
  stream: Pick<StreamJobs, 'enqueueImport' | 'classOfInput'>;
  rtk: Pick<RtkJobs, 'fail' | 'importMaxAttempts'>;
  remoteImport: RemoteImport;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'update' | 'getByProviderMeeting'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  queue: Pick<JobQueue, 'enqueue'>;
  pollMs: number;
  clock: Clock;
  log: Logger;
}

/** What each Cloudflare event does in Aula: inputs move classes, videos and RealtimeKit recordings become recordings. */
export function cloudflareEvents(deps: CloudflareEventsDeps) {
  const { log } = deps;

  return async function dispatch(account: CloudflareAccount, event: CloudflareEvent, inboxId: string): Promise<Record<string, unknown>> {
    if (event.kind === 'notification') {
      const n = event.notification.data;
      const cls = await deps.stream.classOfInput(account, n.input_id);
      if (!cls) return { ignored: 'no Aula class uses this live input' };
      if (n.event_type === 'live_input.errored') {
        const e = n.live_input_errored;
        const lastError = { code: e?.error?.code ?? 'unknown', message: e?.error?.message ?? 'no message', videoCodec: e?.video_codec ?? null, audioCodec: e?.audio_codec ?? null, at: n.updated_at ?? isoNow(deps.clock) };
        await deps.liveClassesRepo.update(cls.id, { providerData: { ...cls.providerData, lastError }, now: isoNow(deps.clock) });
        log.warn({ liveClassId: cls.id, ...lastError }, 'Cloudflare live input errored');
        return { liveClassId: cls.id, errored: lastError.code };
      }
      if (n.event_type === 'live_input.connected') {
        if (cls.providerData?.lastError) {
          const { lastError: _cleared, ...rest } = cls.providerData;
          await deps.liveClassesRepo.update(cls.id, { providerData: rest, now: isoNow(deps.clock) });
        }
        return moveClassQuietly(deps.liveClasses, ACTOR, cls, 'live');
      }
      // Each broadcast is a video; its webhook is not promised, so the input's videos are polled until ready.
      await deps.queue.enqueue('cloudflare.poll-input', { liveClassId: cls.id }, { dedupeKey: `cloudflare-poll:${cls.id}`, delayMs: deps.pollMs, maxAttempts: POLL_MAX_ATTEMPTS });
      return moveClassQuietly(deps.liveClasses, ACTOR, cls, 'ended');
    }

    if (event.kind === 'stream') {
      const video = event.video;
      const cls = await deps.stream.classOfInput(account, video.liveInput);
      if (!cls) return { ignored: 'no Aula class uses this video\'s live input' };
      const outcome = videoOutcome(video);
      if (outcome.kind === 'failed') {
        const externalRef = videoRef(video.uid);
        const decision = await deps.remoteImport.decide(externalRef);
        if ('skip' in decision) return { liveClassId: cls.id, ignored: decision.skip };
        const startedAt = video.created ? new Date(video.created).toISOString() : isoNow(deps.clock);
        return { liveClassId: cls.id, outcome: await deps.remoteImport.recordFailure({ liveClassId: cls.id, externalRef, title: cls.title, startedAt, source: 'cloudflare', actor: ACTOR }, decision.healing, outcome.reason) };
      }
      await deps.stream.enqueueImport(account.id, video.uid);
      return { liveClassId: cls.id, videoUid: video.uid, queued: 'import' };
    }

    const r = event.recording;
    const cls = await deps.liveClassesRepo.getByProviderMeeting('cloudflare', r.meetingId);
    if (!cls || cls.deletedAt || cls.providerAccountId !== account.id) return { ignored: 'no Aula class uses this meeting' };
    if (r.status === 'UPLOADED') {
      await deps.queue.enqueue('cloudflare.import-rtk', { accountId: account.id, rtkRecordingId: r.id, inboxId }, { dedupeKey: importRtkJobKey(r.id), maxAttempts: deps.rtk.importMaxAttempts });
      return { liveClassId: cls.id, rtkRecordingId: r.id, queued: 'import' };
    }
    if (r.status === 'ERRORED') {
      const reason = `RealtimeKit could not record the meeting${r.errorReason ? `: ${r.errorReason}` : ''}`;
      const rec = await deps.recordingsRepo.getByExternalRef(rtkRef(r.id));
      if (rec) {
        await deps.rtk.fail(rec.id, reason);
        return { recordingId: rec.id, failed: reason };
      }
      const decision = await deps.remoteImport.decide(rtkRef(r.id));
      if ('skip' in decision) return { ignored: decision.skip };
      const startedAt = r.startedTime ? new Date(r.startedTime).toISOString() : isoNow(deps.clock);
      return { liveClassId: cls.id, outcome: await deps.remoteImport.recordFailure({ liveClassId: cls.id, externalRef: rtkRef(r.id), title: cls.title, startedAt, source: 'cloudflare', actor: ACTOR }, decision.healing, reason) };
    }
    return { liveClassId: cls.id, rtkRecordingId: r.id, status: r.status };
  };
}
