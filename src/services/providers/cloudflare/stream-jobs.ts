import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import type { CloudflareApi } from '../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../domain/providers/cloudflare/api-error';
import { runFfmpeg } from '../../../adapters/media/ffmpeg-process';
import { StreamVideo, videoOutcome } from '../../../domain/providers/cloudflare/events';
import { type JobHandler, type JobQueue, RetryLater } from '../../../jobs/catalogue';
import type { RecordingService } from '../../recordings';
import type { RemoteImport, RemoteRecordingTarget } from '../remote-import';
import type { CloudflareAccount } from './account';
import { modeOf } from './hooks';
import { inJobScratch } from '../../../adapters/scratch';

export const ACTOR = 'provider:cloudflare' as const;
export const videoRef = (uid: string) => `cloudflare:${uid}`;
export const importVideoJobKey = (uid: string) => `cloudflare-video:${uid}`;
/** Enough polls for Cloudflare to finish a long recording and its MP4 at the configured interval. */
export const IMPORT_MAX_ATTEMPTS = 120;
export const POLL_MAX_ATTEMPTS = 120;

/** What Aula keeps for a recording whose video stays on Cloudflare. */
export interface HostedVideoState {
  hosted: { videoUid: string; hls: string };
}

export interface StreamJobsDeps {
  api: CloudflareApi;
  loadAccount(id: string): Promise<CloudflareAccount | null>;
  remoteImport: RemoteImport;
  recordings: Pick<RecordingService, 'createHostedElsewhere'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  liveClassesRepo: Pick<LiveClassRepository, 'get' | 'getByProviderMeeting'>;
  queue: Pick<JobQueue, 'enqueue'>;
  scratchDir: string;
  maxDownloadBytes: number;
  pollMs: number;
  clock: Clock;
  log: Logger;
}


/** Stream videos (one per broadcast of a live input) into Aula recordings. */
export function streamJobs(deps: StreamJobsDeps) {
  const { api, remoteImport, log } = deps;

  async function classOfInput(account: CloudflareAccount, liveInputId: string | null | undefined): Promise<LiveClassRecord | null> {
    if (!liveInputId) return null;
    const cls = await deps.liveClassesRepo.getByProviderMeeting('cloudflare', liveInputId);
    return cls && !cls.deletedAt && cls.providerAccountId === account.id && modeOf(cls) === 'stream' ? cls : null;
  }

  async function enqueueImport(accountId: string, videoUid: string) {
    await deps.queue.enqueue('cloudflare.import-video', { accountId, videoUid }, { dedupeKey: importVideoJobKey(videoUid), maxAttempts: IMPORT_MAX_ATTEMPTS });
  }

  /** The MP4 Cloudflare makes on request; recordings over 4 hours get none, and the HLS is copied instead. */
  async function fetchMedia(account: CloudflareAccount, video: StreamVideo, dir: string, signal: AbortSignal): Promise<{ file: string; bytes: number }> {
    let mp4: Awaited<ReturnType<CloudflareApi['requestDownload']>> | null = null;
    try {
      mp4 = await api.requestDownload(account.credentials, video.uid);
    } catch (err) {
      if (!(err instanceof CloudflareApiError) || err.retryable || err.kind === 'unauthorized' || err.kind === 'not_found') throw err;
      log.info({ videoUid: video.uid, err: err.message }, 'Cloudflare refused an MP4 of this video; copying its HLS');
    }
    if (mp4) {
      if (mp4.status === 'error') throw new CloudflareApiError('refused', null, 'Cloudflare could not make the MP4 of this video');
      if (mp4.status !== 'ready' || !mp4.url) throw new RetryLater(deps.pollMs, `Cloudflare is still making the MP4 (${mp4.percentComplete ?? 0} %)`);
      const file = path.join(dir, 'video.mp4');
      return { file, ...(await api.download(mp4.url, file, { maxBytes: deps.maxDownloadBytes, signal })) };
    }
    const hls = video.playback?.hls;
    if (!hls) throw new CloudflareApiError('refused', null, 'the video has neither an MP4 nor an HLS playback URL');
    api.assertCloudflareHost(hls);
    const file = path.join(dir, 'video.mp4');
    await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'https,http,tls,tcp,crypto,hls,file', '-i', hls, '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-y', file], { signal, timeoutMs: 6 * 3_600_000 });
    return { file, bytes: (await stat(file)).size };
  }

  const importVideo: JobHandler<'cloudflare.import-video'> = {
    async run(data, jobCtx) {
      const externalRef = videoRef(data.videoUid);
      const decision = await remoteImport.decide(externalRef);
      if ('skip' in decision) return { outcome: 'skipped', detail: decision.skip };
      const account = await deps.loadAccount(data.accountId);
      if (!account) return { outcome: 'skipped', detail: 'the Cloudflare account was removed' };
      let video: StreamVideo;
      try {
        video = StreamVideo.parse(await api.getVideo(account.credentials, data.videoUid));
      } catch (err) {
        if (err instanceof CloudflareApiError && err.kind === 'not_found') return { outcome: 'skipped', detail: 'Cloudflare no longer has this video' };
        throw err;
      }
      const cls = await classOfInput(account, video.liveInput);
      if (!cls) return { outcome: 'skipped', detail: 'no Aula class uses this video\'s live input' };
      const startedAt = video.created ? new Date(video.created).toISOString() : isoNow(deps.clock);
      const target: RemoteRecordingTarget = { liveClassId: cls.id, externalRef, title: cls.title, startedAt, source: 'cloudflare', actor: ACTOR };
      const outcome = videoOutcome(video);
      if (outcome.kind === 'failed') return { outcome: 'done', detail: await remoteImport.recordFailure(target, decision.healing, outcome.reason) };
      if (outcome.kind === 'pending') throw new RetryLater(deps.pollMs, `the video is ${outcome.state}`);

      if (account.storage === 'keep') {
        if (!video.playback?.hls) return { outcome: 'done', detail: await remoteImport.recordFailure(target, decision.healing, 'Cloudflare gave no HLS playback URL for this video') };
        const state: HostedVideoState = { hosted: { videoUid: video.uid, hls: video.playback.hls } };
        const rec = await deps.recordings.createHostedElsewhere(ACTOR, cls.id, {
          title: target.title, startedAt, externalRef, source: 'cloudflare', providerState: JSON.stringify(state),
          metadata: { durationSeconds: video.duration ?? null, width: null, height: null, videoCodec: null, audioCodec: null, bitRate: null, sizeBytes: null },
        });
        log.info({ liveClassId: cls.id, videoUid: video.uid, recordingId: rec.id }, 'attached a Cloudflare video kept on Cloudflare');
        return { outcome: 'done', detail: `attached as recording ${rec.id}` };
      }

      return inJobScratch(deps.scratchDir, jobCtx.jobId, async (dir) => {
        let media: { file: string; bytes: number };
        try {
          media = await fetchMedia(account, video, dir, jobCtx.signal);
        } catch (err) {
          if (!(err instanceof CloudflareApiError) || err.retryable) throw err;
          return { outcome: 'done' as const, detail: await remoteImport.recordFailure(target, decision.healing, `Aula could not fetch the video from Cloudflare: ${err.message}`) };
        }
        return remoteImport.ingest(target, decision.healing, { localPath: media.file, sizeBytes: media.bytes, fileName: `cloudflare-${video.uid}.mp4`, sidecars: {} });
      });
    },
    async onExhausted(data, error) {
      const account = await deps.loadAccount(data.accountId);
      if (!account || (await deps.recordingsRepo.getByExternalRef(videoRef(data.videoUid)))) return;
      const video = await api.getVideo(account.credentials, data.videoUid).then((v) => StreamVideo.safeParse(v).data ?? null, () => null);
      const cls = await classOfInput(account, video?.liveInput);
      if (!cls) return;
      await remoteImport.recordFailure({ liveClassId: cls.id, externalRef: videoRef(data.videoUid), title: cls.title, startedAt: video?.created ?? isoNow(deps.clock), source: 'cloudflare', actor: ACTOR }, null,
        `Aula could not import this video from Cloudflare after ${IMPORT_MAX_ATTEMPTS} attempts (last error: ${error.message})`);
    },
  };

  /** Cloudflare does not promise a webhook for live recordings: after a disconnect the input's videos are polled. */
  const pollInput: JobHandler<'cloudflare.poll-input'> = {
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

  return { importVideo, pollInput, enqueueImport, classOfInput };
}

export type StreamJobs = ReturnType<typeof streamJobs>;
