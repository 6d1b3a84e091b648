/**
 * Aula's rendition ladder: which renditions, sizes and bitrates a recording gets, and how its thumbnails are spaced.
 * Pure policy: probe facts in, plans out. FFmpeg arguments are built from these plans in ./ffmpeg-args.
 */
import { hasMediaStreams, type MediaProbe, type VideoStreamProbe } from './probe';

export const SEGMENT_SECONDS = 4;
/**
 * Segments of a class being recorded live: short, so a watch-only audience following the live playlist stays a few
 * seconds behind. A keyframe every 2 s costs a little bitrate; the finished recording plays these segments as they are.
 */
export const LIVE_SEGMENT_SECONDS = 2;
export const AUDIO_KBPS = 128;
export const AUDIO_SAMPLE_RATE = 48_000;
export const AUDIO_RENDITION_NAME = 'audio';

export interface VideoRung {
  name: string;
  /** Height of a landscape picture (the shorter side). */
  shortSide: number;
  videoKbps: number;
}

export const VIDEO_RUNGS: readonly VideoRung[] = [
  { name: '1080p', shortSide: 1080, videoKbps: 5000 },
  { name: '720p', shortSide: 720, videoKbps: 2800 },
  { name: '480p', shortSide: 480, videoKbps: 1400 },
  { name: '360p', shortSide: 360, videoKbps: 800 },
];

export const SMALLEST_RUNG_KBPS = 800;

export interface VideoRendition {
  name: string;
  width: number;
  height: number;
  /** Target video bitrate; null for a stream copy (its bitrate is whatever the source has). */
  videoKbps: number | null;
  copy: boolean;
}

export interface AudioRendition {
  name: string;
  channels: 1 | 2;
  kbps: number;
}

export interface LadderPlan {
  /** Fast path: the source's own H.264/AAC streams copied into the top rendition, playable within seconds. */
  copy: VideoRendition | null;
  /** Re-encoded renditions, highest first, all made by one ffmpeg process from one decode. */
  encode: VideoRendition[];
  /** Audio-only rendition, present whenever the source has audio. */
  audio: AudioRendition | null;
  /** AAC channel count used everywhere (mono stays mono). */
  audioChannels: 1 | 2;
  hasSourceAudio: boolean;
  fps: number;
  /** Fixed GOP so encoded segments are exactly SEGMENT_SECONDS long and aligned across renditions. */
  gop: number;
}

/**
 * The source qualifies for the fast path when its streams can go into HLS/MP4 unchanged:
 * H.264 8-bit 4:2:0 no larger than 1080p, with AAC audio or none.
 */
export function isFastPathEligible(probe: MediaProbe): boolean {
  const v = probe.video;
  if (!v || v.codec !== 'h264') return false;
  if (v.pixFmt !== 'yuv420p' && v.pixFmt !== 'yuvj420p') return false;
  if (Math.min(v.width, v.height) > 1080 || Math.max(v.width, v.height) > 1920) return false;
  return probe.audio === undefined || probe.audio.codec === 'aac';
}

export function planLadder(probe: MediaProbe): LadderPlan {
  if (!hasMediaStreams(probe)) throw new Error('no video or audio stream found');
  const audioChannels: 1 | 2 = probe.audio && probe.audio.channels < 2 ? 1 : 2;
  const audio: AudioRendition | null = probe.audio ? { name: AUDIO_RENDITION_NAME, channels: audioChannels, kbps: AUDIO_KBPS } : null;
  const fps = sanitizeFps(probe.video?.fps ?? null);
  const base = { audio, audioChannels, hasSourceAudio: probe.audio !== undefined, fps, gop: Math.round(fps * SEGMENT_SECONDS) };
  const v = probe.video;
  if (!v) return { ...base, copy: null, encode: [] };

  const short = Math.min(v.width, v.height);
  if (isFastPathEligible(probe)) {
    const copy: VideoRendition = { name: rungNameFor(short), width: v.width, height: v.height, videoKbps: null, copy: true };
    const encode = VIDEO_RUNGS.filter((r) => r.shortSide < short).map((r) => scaledRendition(v, r));
    return { ...base, copy, encode };
  }
  const fitting = VIDEO_RUNGS.filter((r) => r.shortSide <= short);
  if (fitting.length > 0) return { ...base, copy: null, encode: fitting.map((r) => scaledRendition(v, r)) };
  // Smaller than the smallest rung: one rendition at the source's own size (rounded down, never upscaled).
  const width = Math.max(2, v.width - (v.width % 2));
  const height = Math.max(2, v.height - (v.height % 2));
  return {
    ...base,
    copy: null,
    encode: [{ name: rungNameFor(Math.min(width, height)), width, height, videoKbps: SMALLEST_RUNG_KBPS, copy: false }],
  };
}

/** The rendition name of a picture whose shorter side is this tall: a rung's name, or e.g. "240p" off the ladder. */
export function rungNameFor(shortSide: number): string {
  return VIDEO_RUNGS.find((r) => r.shortSide === shortSide)?.name ?? `${shortSide}p`;
}

function scaledRendition(v: VideoStreamProbe, rung: VideoRung): VideoRendition {
  // The rung fixes the shorter side so portrait recordings get the same quality steps.
  const landscape = v.width >= v.height;
  const long = even((rung.shortSide * Math.max(v.width, v.height)) / Math.min(v.width, v.height));
  return {
    name: rung.name,
    width: landscape ? long : rung.shortSide,
    height: landscape ? rung.shortSide : long,
    videoKbps: rung.videoKbps,
    copy: false,
  };
}

function sanitizeFps(fps: number | null): number {
  // WebM from browsers often reports 1000 fps (the timebase) or nothing at all.
  if (fps === null || !Number.isFinite(fps) || fps < 1 || fps > 120) return 30;
  return fps;
}

export function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}

// ---------------------------------------------------------------- poster and seek thumbnails

export interface SpritePlan {
  intervalSeconds: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export const MAX_SPRITE_TILES = 100;

export function planSprite(durationSeconds: number): SpritePlan {
  const duration = Math.max(durationSeconds, 0.001);
  const intervalSeconds = Math.max(1, Math.ceil(duration / MAX_SPRITE_TILES));
  const count = Math.max(1, Math.min(MAX_SPRITE_TILES, Math.ceil(duration / intervalSeconds)));
  const columns = Math.min(10, count);
  return { intervalSeconds, count, columns, rows: Math.ceil(count / columns), tileWidth: 160, tileHeight: 90 };
}

/** The plan for the tiles there are: one tile fewer than planned (FFmpeg's fps filter, a short live class) shrinks the sheet. */
export function spritePlanFor(planned: SpritePlan, made: number): SpritePlan {
  return made < planned.count ? { ...planned, count: made, rows: Math.ceil(made / planned.columns) } : planned;
}

/** Poster frame at 10 % of the duration (at least 1 s in, never past the middle), at most 1280 wide. */
export function posterTimeSeconds(durationSeconds: number): number {
  return Math.max(0, Math.min(Math.max(1, durationSeconds * 0.1), durationSeconds / 2));
}

// Names that lived in this module before the media domain had one module per concept, for importers outside media.
export type { MediaProbe } from './probe';
export { buildMasterPlaylist, hlsCodecsOf, measureBandwidth, parseMediaPlaylist } from './hls';
export { parseChatLines, toChatJsonLines } from './chat-transcript';
