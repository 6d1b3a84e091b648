import { FfmpegFailed } from '../../domain/media/ffmpeg-failure';
import { buildReadThroughArgs } from '../../domain/media/ffmpeg-args/vod';
import { hasMediaStreams, looksLikeIsoBmff, type MediaProbe } from '../../domain/media/probe';
import { MediaProcessingFailed } from './failure';
import { readHead } from './files';
import type { PipelineRun } from './run';

/** Reads the source's facts, tells a cut-off or non-media file apart, and sets the job's timeouts and metadata. */
export async function probeSource(run: PipelineRun, file: string): Promise<MediaProbe> {
  let probe: MediaProbe;
  try {
    probe = await run.deps.probe(file, { signal: run.signal, timeoutMs: 120_000 });
  } catch (err) {
    if (!(err instanceof FfmpegFailed) || err.kind !== 'exit') throw err;
    if (/moov atom not found/i.test(err.stderrTail) && looksLikeIsoBmff(await readHead(file))) {
      throw new MediaProcessingFailed(
        'truncated',
        'input truncated at 00:00:00: the MP4 index (moov atom) was never written, so the recording was cut off before it was finalised',
        false,
        { cause: err },
      );
    }
    throw new MediaProcessingFailed('no-streams', 'no video or audio stream found: the file is not a recording Aula can read', false, {
      cause: err,
    });
  }
  if (!hasMediaStreams(probe)) {
    throw new MediaProcessingFailed('no-streams', 'no video or audio stream found', false);
  }
  if (probe.durationSeconds === null) {
    // Browser recordings often carry no duration; reading the packets through gives it.
    await run.ffmpeg(buildReadThroughArgs(file), 'probe');
    probe.durationSeconds = run.lastOutSeconds > 0 ? run.lastOutSeconds : null;
  }
  const duration = probe.durationSeconds ?? 0;
  run.timeoutMs = run.deps.ffmpegTimeoutMs ?? Math.max(10 * 60_000, duration * 2_000);
  run.output.metadata = {
    durationSeconds: probe.durationSeconds,
    width: probe.video?.width ?? null,
    height: probe.video?.height ?? null,
    videoCodec: probe.video?.codec ?? null,
    audioCodec: probe.audio?.codec ?? null,
    bitRate: probe.bitRate ?? (duration > 0 ? Math.round((run.sourceSize * 8) / duration) : null),
    sizeBytes: probe.sizeBytes ?? run.sourceSize,
  };
  await run.progress('probe', 1);
  return probe;
}
