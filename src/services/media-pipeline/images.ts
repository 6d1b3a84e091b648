import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildPosterArgs, buildSpriteArgs } from '../../domain/media/ffmpeg-args/vod';
import { posterTimeSeconds, type SpritePlan, spritePlanFor } from '../../domain/media/ladder';
import type { MediaProbe } from '../../domain/media/probe';
import { CONTENT_TYPES, SPRITE_FILE } from '../../domain/media/recording-layout';
import { buildThumbnailsVtt } from '../../domain/media/webvtt';
import { fileExists } from './files';
import type { PipelineRun } from './run';

/** Seek-preview tiles the ladder's process wrote as numbered images, for the sprite sheet. */
export interface ThumbnailTiles {
  dir: string;
  pattern: string;
  plan: SpritePlan;
  durationSeconds: number;
}

export async function makePoster(run: PipelineRun, sourcePath: string, probe: MediaProbe): Promise<void> {
  if (!probe.video) return;
  await run.progress('thumbnails', 0);
  const file = path.join(run.jobDir, 'poster.jpg');
  const duration = probe.video.durationSeconds ?? probe.durationSeconds ?? 0;
  for (const at of [posterTimeSeconds(duration), 0]) {
    await run.ffmpeg(buildPosterArgs(sourcePath, file, at), 'thumbnails');
    if (await fileExists(file)) {
      await run.put(run.keys.poster, file, CONTENT_TYPES.jpg);
      run.output.posterKey = run.keys.poster;
      break;
    }
  }
  if (!run.output.posterKey) run.log.warn('no frame found for the poster');
  await run.progress('thumbnails', 1);
}

export async function makeSprite(run: PipelineRun, { dir, pattern, plan: planned, durationSeconds }: ThumbnailTiles): Promise<void> {
  await run.progress('thumbnails', 0);
  const made = (await readdir(dir)).filter((n) => n.endsWith('.png')).length;
  if (made === 0) {
    run.log.warn('no frames for the sprite sheet');
    return;
  }
  const plan = spritePlanFor(planned, made);
  const file = path.join(run.jobDir, SPRITE_FILE);
  await run.ffmpeg(buildSpriteArgs(pattern, file, plan), 'thumbnails');
  await run.put(run.keys.sprite, file, CONTENT_TYPES.jpg);
  // Relative URL: thumbnails.vtt and sprite.jpg sit side by side.
  await run.putText(run.keys.thumbnailsVtt, buildThumbnailsVtt(plan, durationSeconds, SPRITE_FILE), CONTENT_TYPES.vtt);
  run.output.spriteKey = run.keys.sprite;
  run.output.thumbnailsVttKey = run.keys.thumbnailsVtt;
}
