import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildCopyRenditionArgs, buildLadderArgs, buildMp4Args } from '../../domain/media/ffmpeg-args/vod';
import { type LadderPlan, planSprite, SEGMENT_SECONDS } from '../../domain/media/ladder';
import type { MediaProbe } from '../../domain/media/probe';
import { CONTENT_TYPES, VARIANT_PLAYLIST } from '../../domain/media/recording-layout';
import type { ThumbnailTiles } from './images';
import { checkTruncation, type FinishedRendition, finishRendition, publishRendition } from './renditions';
import type { PipelineRun } from './run';

/** Sources this long or longer, with more than one rung to encode, get their smallest rung first. */
export const QUICK_START_MIN_SECONDS = 60;

export function wantsQuickStart(plan: LadderPlan, probe: MediaProbe, minSeconds = QUICK_START_MIN_SECONDS): boolean {
  return plan.copy === null && plan.encode.length >= 2 && (probe.durationSeconds ?? 0) >= minSeconds;
}

/** The source's own streams copied into the top rendition, playable within seconds. */
export async function fastPath(run: PipelineRun, sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<void> {
  const copy = plan.copy;
  if (!copy) return;
  const dir = path.join(run.jobDir, 'hls', copy.name);
  await mkdir(dir, { recursive: true });
  const { stderrTail } = await run.ffmpeg(buildCopyRenditionArgs(sourcePath, dir), 'fast-path', probe.durationSeconds);
  const finished = await finishRendition(run, copy.name, dir);
  checkTruncation(probe, finished.coveredSeconds, stderrTail);
  if (finished.longestSegmentSeconds > 2 * SEGMENT_SECONDS) {
    // Copied segments can only cut at the recorder's keyframes; players cope, but seeking is coarser.
    run.log.warn({ longestSegmentSeconds: finished.longestSegmentSeconds }, 'source keyframes are far apart; copied segments are long');
  }
  await publishRendition(run, finished);
  await run.progress('fast-path', 1);
}

/**
 * A source that must be re-encoded (a browser's VP8/VP9 WebM, say) gets its smallest rung alone first, made with
 * the ladder's own settings, so the recording plays minutes before the full ladder is done; the ladder then makes
 * the rest. Costs one extra decode of the source.
 */
export async function quickStart(run: PipelineRun, sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<LadderPlan> {
  const smallest = plan.encode[plan.encode.length - 1]!;
  const hlsDir = path.join(run.jobDir, 'hls-first');
  await mkdir(path.join(hlsDir, smallest.name), { recursive: true });
  const args = buildLadderArgs({ input: sourcePath, hlsDir, plan: { ...plan, encode: [smallest], audio: null }, thumbnails: null });
  if (!args) return plan;
  const { stderrTail } = await run.ffmpeg(args, 'fast-path', probe.durationSeconds);
  const finished = await finishRendition(run, smallest.name, path.join(hlsDir, smallest.name));
  checkTruncation(probe, finished.coveredSeconds, stderrTail);
  await publishRendition(run, finished);
  await run.progress('fast-path', 1);
  return { ...plan, encode: plan.encode.slice(0, -1) };
}

/** Encodes, measures and publishes every remaining rendition and the MP4; returns the sprite tiles made on the way. */
export async function encodeLadder(run: PipelineRun, sourcePath: string, plan: LadderPlan, probe: MediaProbe): Promise<ThumbnailTiles | null> {
  const hlsDir = path.join(run.jobDir, 'hls');
  const names = [...plan.encode.map((r) => r.name), ...(plan.audio ? [plan.audio.name] : [])];
  for (const name of names) await mkdir(path.join(hlsDir, name), { recursive: true });
  const videoSeconds = probe.video?.durationSeconds ?? probe.durationSeconds ?? 0;
  const thumbsDir = path.join(run.jobDir, 'thumbs');
  const thumbnails: ThumbnailTiles | null = probe.video
    ? { dir: thumbsDir, pattern: path.join(thumbsDir, '%04d.png'), plan: planSprite(videoSeconds), durationSeconds: videoSeconds }
    : null;
  if (thumbnails) await mkdir(thumbsDir, { recursive: true });
  const args = buildLadderArgs({ input: sourcePath, hlsDir, plan, thumbnails });

  // Fast path: the MP4 is a stream copy of the source, I/O-bound, so it runs beside the CPU-bound ladder.
  const mp4Beside = plan.copy ? run.beside(makeMp4(run, sourcePath, probe, true)) : null;

  let stderrTail = '';
  if (args) {
    await run.progress('ladder', 0);
    ({ stderrTail } = await run.ffmpeg(args, 'ladder', probe.durationSeconds));
  }
  const finished: FinishedRendition[] = [];
  for (const name of names) finished.push(await finishRendition(run, name, path.join(hlsDir, name)));
  if (finished.length > 0) {
    checkTruncation(probe, Math.max(...finished.map((f) => f.coveredSeconds)), stderrTail);
  }
  await run.progress('ladder', 1);

  // Otherwise the MP4 is remuxed from the top rendition (already H.264/AAC) before that is published.
  const mp4Source = plan.copy ? null : finished[0];
  for (const f of finished) if (f !== mp4Source) await publishRendition(run, f);
  if (mp4Source) {
    await makeMp4(run, path.join(mp4Source.dir, VARIANT_PLAYLIST), probe, false);
    await publishRendition(run, mp4Source);
  }
  if (mp4Beside) {
    await mp4Beside;
    await run.progress('mp4', 1);
  }
  return thumbnails;
}

async function makeMp4(run: PipelineRun, input: string, probe: MediaProbe, inBackground: boolean): Promise<void> {
  if (!inBackground) await run.progress('mp4', 0);
  const file = path.join(run.jobDir, 'download.mp4');
  await run.ffmpeg(buildMp4Args(input, file), 'mp4', probe.durationSeconds, inBackground);
  await run.put(run.keys.mp4, file, CONTENT_TYPES.mp4);
  run.output.mp4Key = run.keys.mp4;
  if (!inBackground) await run.progress('mp4', 1);
}
