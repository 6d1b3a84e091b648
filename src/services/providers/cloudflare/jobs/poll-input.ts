import { StreamVideo, videoOutcome } from '../../../../domain/providers/cloudflare/events';
import { type JobHandler, RetryLater } from '../../../../jobs/queue';
import { modeOf } from '../hooks';
import { videoRef } from '../refs';
import type { StreamJobsDeps } from '../stream-jobs';

/** `cloudflare.poll-input`: Cloudflare does not promise a webhook for live recordings, so after a disconnect the input's videos are polled. */
export function pollInputJob(deps: Pick<StreamJobsDeps, 'api' | 'loadAccount' | 'recordingsRepo' | 'liveClassesRepo' | 'pollMs'>, enqueueImport: (accountId: string, videoUid: string) => Promise<void>): JobHandler<'cloudflare.poll-input'> {
  const { api } = deps;
  return {
    async run({ liveClassId }) {
      const cls = await deps.liveClassesRepo.get(liveClassId);
      if (!cls || cls.deletedAt || modeOf(cls) !== 'stream' || !cls.providerMeetingId || !cls.providerAccountId) return { outcome: 'skipped', detail: 'not a live input class any more' };
      const account = await deps.loadAccount(cls.providerAccountId);
      if (!account) return { outcome: 'skipped', detail: 'the Cloudflare account was removed' };
      const videos = (await api.listLiveInputVideos(account.credentials, cls.providerMeetingId)).flatMap((v) => StreamVideo.safeParse(v).data ?? []);
      let pending = 0;
      let queued = 0;
      for (const video of videos) {
        if (videoOutcome(video).kind === 'pending') {
          pending++;
          continue;
        }
        if (await deps.recordingsRepo.getByExternalRef(videoRef(video.uid))) continue;
        await enqueueImport(account.id, video.uid);
        queued++;
      }
      if (pending > 0) throw new RetryLater(deps.pollMs, `${pending} video(s) of the live input still processing`);
      return { outcome: 'done', detail: `${videos.length} video(s), ${queued} queued for import` };
    },
  };
}
