/**
 * What a class that had its whole ladder made live still needs at its end, all quick: the final playlists of the
 * followed renditions, the MP4 by stream copy of the top rung, the poster, the sprite sheet tiled from the
 * thumbnails taken live with its WebVTT track, and the chat track from the transcript.
 */
import { link, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FfmpegRunner } from '../../../adapters/media/ffmpeg-process';
import type { MediaStorage } from '../../../adapters/storage/media-storage';
import { chatToVtt, toChatJsonLines } from '../../../domain/media/chat-transcript';
import { buildMp4Args, buildPosterArgs, buildSpriteArgs } from '../../../domain/media/ffmpeg-args/vod';
import { buildLivePlaylist, measureBandwidth } from '../../../domain/media/hls';
import { planSprite, posterTimeSeconds, spritePlanFor } from '../../../domain/media/ladder';
import { spriteSeconds } from '../../../domain/media/live-ladder';
import { CONTENT_TYPES, recordingLayout, SPRITE_FILE } from '../../../domain/media/recording-layout';
import { buildThumbnailsVtt } from '../../../domain/media/webvtt';
import type { RecordingMedia, RecordingRendition } from '../../../domain/recording-media';
import { exists } from './capture-files';
import type { FollowedRendition, LadderOutcome } from './ladder-follower';

export interface LadderFinishInput {
  recordingId: string;
  /** The capture's folder, for the files made here. */
  dir: string;
  durationSeconds: number;
  topSegmentCount: number;
  /** The follower finishing its last segments. */
  ladder: Promise<LadderOutcome>;
  /** The growing source: the top rung's segments end to end. */
  sourcePath: string;
  chatPath: string | null;
  log: Logger;
}

/** A followed rendition as the master playlist and the recording list it. */
export interface FinishedRendition extends RecordingRendition {
  averageBandwidth: number;
}

/** The recording's outputs besides its master and captions, as the end of the class left them. */
export type LadderOutputs = Pick<RecordingMedia, 'posterKey' | 'spriteKey' | 'thumbnailsVttKey' | 'mp4Key' | 'chatVttKey' | 'chatJsonKey'> & {
  renditions: FinishedRendition[];
  /** Outputs that could not be made here; the pipeline makes them. */
  missing: string[];
};

export type LadderFinishDeps = { ffmpeg: Pick<FfmpegRunner, 'run'>; storage: MediaStorage };

const RUN_TIMEOUT_MS = 10 * 60_000;

/**
 * The download, the poster and the chat track need only the top rung and the transcript: they are made while the
 * follower finishes its last segments; the playlists and the sprite after it. Null when the follower stopped.
 */
export async function finishLadder(deps: LadderFinishDeps, input: LadderFinishInput): Promise<LadderOutputs | null> {
  const layout = recordingLayout(input.recordingId);
  const missing: string[] = [];
  const attempt = async <T>(what: string, task: () => Promise<T | null>): Promise<T | null> => {
    try {
      const made = await task();
      if (made === null) missing.push(what);
      return made;
    } catch (err) {
      input.log.warn({ err, what }, 'could not finish a live output; processing will make it');
      missing.push(what);
      return null;
    }
  };
  const chatPath = input.chatPath && (await exists(input.chatPath)) ? input.chatPath : null;
  const fromTopRung = Promise.all([
    attempt('download', () => makeMp4(deps, input)),
    attempt('poster', () => makePoster(deps, input)),
    chatPath ? attempt('chat track', () => makeChatTrack(deps.storage, input.recordingId, chatPath)) : Promise.resolve(null),
  ]);
  const outcome = await input.ladder;
  if (outcome.kind !== 'complete') {
    await fromTopRung;
    return null;
  }
  const [renditions, sprite] = await Promise.all([
    attempt('renditions', () => finalPlaylists(deps.storage, input, outcome.renditions)),
    attempt('seek thumbnails', () => makeSprite(deps, input, outcome.thumbnailsDir)),
  ]);
  const [mp4Key, posterKey, chat] = await fromTopRung;
  return {
    renditions: renditions ?? [],
    mp4Key,
    posterKey,
    spriteKey: sprite ? layout.sprite : null,
    thumbnailsVttKey: sprite ? layout.thumbnailsVtt : null,
    chatVttKey: chat ? layout.chatVtt : null,
    chatJsonKey: chat ? layout.chatJson : null,
    missing,
  };
}

/** Every followed rendition has each top-rung segment: its playlist is closed; a gap means the pipeline redoes it. */
async function finalPlaylists(storage: MediaStorage, input: LadderFinishInput, followed: FollowedRendition[]): Promise<FinishedRendition[] | null> {
  const layout = recordingLayout(input.recordingId);
  if (followed.some((r) => r.segments.length !== input.topSegmentCount || r.codecs === null)) return null;
  const out: FinishedRendition[] = [];
  for (const r of followed) {
    await storage.putBuffer(layout.renditionPlaylist(r.name), buildLivePlaylist(r.segments, true), CONTENT_TYPES.m3u8);
    const { peak, average } = measureBandwidth(r.segments.map((s) => ({ durationSeconds: s.durationSeconds, sizeBytes: s.bytes })));
    out.push({ name: r.name, width: r.width, height: r.height, bandwidth: peak, averageBandwidth: average, codecs: r.codecs ?? '', playlistKey: layout.renditionPlaylist(r.name) });
  }
  return out;
}

async function makeMp4(deps: LadderFinishDeps, input: LadderFinishInput): Promise<string> {
  const file = path.join(input.dir, 'download.mp4');
  await deps.ffmpeg.run(buildMp4Args(input.sourcePath, file), { timeoutMs: RUN_TIMEOUT_MS });
  const key = recordingLayout(input.recordingId).mp4;
  await deps.storage.putFile(key, file, CONTENT_TYPES.mp4);
  return key;
}

/** The pipeline's poster: a frame 10 % in (the first frame when that one cannot be read), from the top rung. */
async function makePoster(deps: LadderFinishDeps, input: LadderFinishInput): Promise<string | null> {
  const file = path.join(input.dir, 'poster.jpg');
  for (const at of [posterTimeSeconds(input.durationSeconds), 0]) {
    await deps.ffmpeg.run(buildPosterArgs(input.sourcePath, file, at), { timeoutMs: RUN_TIMEOUT_MS });
    if (await exists(file)) {
      const key = recordingLayout(input.recordingId).poster;
      await deps.storage.putFile(key, file, CONTENT_TYPES.jpg);
      return key;
    }
  }
  return null;
}

/** The thumbnails at the pipeline's spacing for this duration, tiled into one sheet, and the track that maps it. */
async function makeSprite(deps: LadderFinishDeps, input: LadderFinishInput, thumbnailsDir: string): Promise<true | null> {
  const planned = planSprite(input.durationSeconds);
  const tilesDir = path.join(input.dir, 'sprite-tiles');
  await mkdir(tilesDir, { recursive: true });
  let made = 0;
  // A contiguous run from the start: a tile out of place would point the track at the wrong picture.
  for (const second of spriteSeconds(planned)) {
    const tile = path.join(thumbnailsDir, `${String(second).padStart(5, '0')}.png`);
    if (!(await exists(tile))) break;
    made++;
    await link(tile, path.join(tilesDir, `${String(made).padStart(4, '0')}.png`));
  }
  if (made === 0) return null;
  const plan = spritePlanFor(planned, made);
  const file = path.join(input.dir, SPRITE_FILE);
  await deps.ffmpeg.run(buildSpriteArgs(path.join(tilesDir, '%04d.png'), file, plan), { timeoutMs: RUN_TIMEOUT_MS });
  const layout = recordingLayout(input.recordingId);
  await deps.storage.putFile(layout.sprite, file, CONTENT_TYPES.jpg);
  await deps.storage.putBuffer(layout.thumbnailsVtt, buildThumbnailsVtt(plan, input.durationSeconds, SPRITE_FILE), CONTENT_TYPES.vtt);
  return true;
}

async function makeChatTrack(storage: MediaStorage, recordingId: string, chatPath: string): Promise<true> {
  const layout = recordingLayout(recordingId);
  const { vtt, messages } = chatToVtt(await readFile(chatPath, 'utf8'));
  await storage.putBuffer(layout.chatJson, toChatJsonLines(messages), CONTENT_TYPES.jsonl);
  await storage.putBuffer(layout.chatVtt, vtt, CONTENT_TYPES.vtt);
  return true;
}
