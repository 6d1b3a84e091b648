import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isoNow } from '../../../../adapters/clock';
import type { LiveClassRecord } from '../../../../adapters/db/live-class-repository';
import type { RecordingRecord } from '../../../../adapters/db/recording-repository';
import type { CloudflareApi } from '../../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../../domain/providers/cloudflare/api-error';
import { StreamVideo, videoOutcome } from '../../../../domain/providers/cloudflare/events';
import { type JobHandler, RetryLater } from '../../../../jobs/queue';
import type { RemoteRecordingTarget } from '../../remote-import';
import type { CloudflareAccount } from '../account';
import { ACTOR, VIDEO_IMPORT_MAX_ATTEMPTS, videoRef } from '../refs';
import type { HostedVideoState, StreamJobsDeps } from '../stream-jobs';

type ImportVideoDeps = Pick<StreamJobsDeps, 'api' | 'loadAccount' | 'remoteImport' | 'recordings' | 'recordingsRepo' | 'runFfmpeg' | 'scratch' | 'maxDownloadBytes' | 'pollMs' | 'clock' | 'log'>;

/** FFmpeg copies a Stream video's HLS into one MP4, without re-encoding. */
function hlsCopyArgs(hlsUrl: string, file: string): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'https,http,tls,tcp,crypto,hls,file', '-i', hlsUrl, '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-y', file];
}

/** `cloudflare.import-video`: a finished Stream video becomes a recording, kept on Cloudflare or brought into Aula. */
export function importVideoJob(deps: ImportVideoDeps, classOfInput: (account: CloudflareAccount, liveInputId: string | null | undefined) => Promise<LiveClassRecord | null>): JobHandler<'cloudflare.import-video'> {
  const { api, remoteImport, log } = deps;

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
    await deps.runFfmpeg(hlsCopyArgs(hls, file), { signal, timeoutMs: 6 * 3_600_000 });
    return { file, bytes: (await stat(file)).size };
  }

  /** Cloudflare keeps the video: the recording plays it from there, with signed URLs. */
  async function attachHosted(target: RemoteRecordingTarget, video: StreamVideo, healing: RecordingRecord | null) {
    if (!video.playback?.hls) return { outcome: 'done' as const, detail: await remoteImport.recordFailure(target, healing, 'Cloudflare gave no HLS playback URL for this video') };
    const state: HostedVideoState = { hosted: { videoUid: video.uid, hls: video.playback.hls } };
    const rec = await deps.recordings.createHostedElsewhere(ACTOR, target.liveClassId, {
      title: target.title, startedAt: target.startedAt, externalRef: target.externalRef, source: 'cloudflare', providerState: JSON.stringify(state),
      metadata: { durationSeconds: video.duration ?? null, width: null, height: null, videoCodec: null, audioCodec: null, bitRate: null, sizeBytes: null },
    });
    log.info({ liveClassId: target.liveClassId, videoUid: video.uid, recordingId: rec.id }, 'attached a Cloudflare video kept on Cloudflare');
    return { outcome: 'done' as const, detail: `attached as recording ${rec.id}` };
  }

  return {
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
      if (account.storage === 'keep') return attachHosted(target, video, decision.healing);

      return deps.scratch(jobCtx.jobId, async (dir) => {
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
        `Aula could not import this video from Cloudflare after ${VIDEO_IMPORT_MAX_ATTEMPTS} attempts (last error: ${error.message})`);
    },
  };
}
