/**
 * FFmpeg argument lists for the recordings pipeline (video on demand): the source and a plan in, arrays out.
 * The live recorder's arguments sit beside these in ./live.ts.
 */
import { AUDIO_KBPS, AUDIO_SAMPLE_RATE, type LadderPlan, SEGMENT_SECONDS, SMALLEST_RUNG_KBPS, type SpritePlan } from '../ladder';
import { SEGMENT_PATTERN, VARIANT_PLAYLIST } from '../recording-layout';

const COMMON = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];
const PROGRESS = ['-progress', 'pipe:1', '-nostats'];

function hlsOutput(segmentFilename: string): string[] {
  return [
    '-f', 'hls',
    '-hls_time', String(SEGMENT_SECONDS),
    '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', segmentFilename,
  ];
}

/**
 * Fast path: the source's streams copied into one HLS rendition. Segments can only start on the
 * source's keyframes, so they are ~4 s only when the recorder's keyframe interval divides 4 s.
 */
export function buildCopyRenditionArgs(input: string, outDir: string): string[] {
  return [
    ...COMMON, ...PROGRESS,
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-c', 'copy',
    ...hlsOutput(`${outDir}/${SEGMENT_PATTERN}`),
    `${outDir}/${VARIANT_PLAYLIST}`,
  ];
}

/** One sprite tile from a frame: letterboxed rather than stretched, so 4:3 slides and portrait phones keep their shape. */
export function tileFilter(p: Pick<SpritePlan, 'tileWidth' | 'tileHeight'>): string {
  const { tileWidth: w, tileHeight: h } = p;
  return `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
}

function thumbnailFilter(p: SpritePlan): string {
  return `fps=1/${p.intervalSeconds},${tileFilter(p)}`;
}

export interface LadderArgsInput {
  input: string;
  /** Directory holding one sub-directory per rendition name. */
  hlsDir: string;
  plan: LadderPlan;
  /**
   * Sprite tiles as numbered images (pattern like `dir/%04d.png`), assembled by buildSpriteArgs
   * afterwards. Tiling inside this process would hold back ffmpeg's progress reports until the sheet is full.
   */
  thumbnails?: { pattern: string; plan: SpritePlan } | null;
}

/**
 * One ffmpeg process for every re-encoded rendition, the audio-only rendition and the sprite tiles:
 * the source is decoded once and split. Returns null when there is nothing to encode.
 */
export function buildLadderArgs({ input, hlsDir, plan, thumbnails: sprite }: LadderArgsInput): string[] | null {
  const videoBranches = plan.encode.length;
  const branches = videoBranches + (sprite ? 1 : 0);
  if (branches === 0 && !plan.audio) return null;

  const filters: string[] = [];
  const labels = Array.from({ length: branches }, (_, i) => `s${i}`);
  if (branches === 1) filters.push(`[0:v:0]null[s0]`);
  else if (branches > 1) filters.push(`[0:v:0]split=${branches}${labels.map((l) => `[${l}]`).join('')}`);
  plan.encode.forEach((r, i) => {
    filters.push(`[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`);
  });
  if (sprite) filters.push(`[s${videoBranches}]${thumbnailFilter(sprite.plan)}[thumbs]`);

  const args = [...COMMON, ...PROGRESS, '-i', input];
  if (filters.length > 0) args.push('-filter_complex', filters.join(';'));

  const variants: string[] = [];
  const streamArgs: string[] = [];
  let audioIndex = 0;
  plan.encode.forEach((r, i) => {
    args.push('-map', `[v${i}]`);
    const kbps = r.videoKbps ?? SMALLEST_RUNG_KBPS;
    streamArgs.push(
      `-b:v:${i}`, `${kbps}k`,
      `-maxrate:v:${i}`, `${Math.round(kbps * 1.07)}k`,
      `-bufsize:v:${i}`, `${Math.round(kbps * 1.5)}k`,
    );
    if (plan.hasSourceAudio) {
      args.push('-map', '0:a:0');
      variants.push(`v:${i},a:${audioIndex},name:${r.name}`);
      audioIndex += 1;
    } else {
      variants.push(`v:${i},name:${r.name}`);
    }
  });
  if (plan.audio) {
    args.push('-map', '0:a:0');
    variants.push(`a:${audioIndex},name:${plan.audio.name}`);
    audioIndex += 1;
  }

  if (variants.length > 0) {
    if (videoBranches > 0) {
      args.push(
        '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
        ...streamArgs,
        '-g', String(plan.gop), '-keyint_min', String(plan.gop), '-sc_threshold', '0',
        '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`,
      );
    }
    if (audioIndex > 0) {
      args.push('-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`, '-ar', String(AUDIO_SAMPLE_RATE), '-ac', String(plan.audioChannels));
    }
    args.push(
      ...hlsOutput(`${hlsDir}/%v/${SEGMENT_PATTERN}`),
      '-var_stream_map', variants.join(' '),
      `${hlsDir}/%v/${VARIANT_PLAYLIST}`,
    );
  }
  if (sprite) {
    args.push('-map', '[thumbs]', '-frames:v', String(sprite.plan.count), '-f', 'image2', sprite.pattern);
  }
  return args;
}

/** Tiles the thumbnails into one JPEG sheet, `columns` wide; a short last row is left blank. */
export function buildSpriteArgs(pattern: string, output: string, plan: SpritePlan): string[] {
  return [
    ...COMMON,
    '-framerate', '1',
    '-i', pattern,
    '-vf', `tile=${plan.columns}x${plan.rows}`,
    '-frames:v', '1',
    '-q:v', '4',
    '-update', '1',
    output,
  ];
}

/** One frame, at most 1280 wide, as the poster. */
export function buildPosterArgs(input: string, output: string, atSeconds: number): string[] {
  return [
    ...COMMON,
    '-ss', atSeconds.toFixed(3),
    '-i', input,
    '-map', '0:v:0',
    '-frames:v', '1',
    '-vf', "scale='min(1280,iw)':-2",
    '-q:v', '3',
    '-update', '1',
    output,
  ];
}

/**
 * Downloadable MP4 by stream copy with the index (moov) first, so browsers can start playing it
 * before it has fully downloaded. The input is the source on the fast path; otherwise the top HLS
 * rendition, which is already H.264/AAC, so the ladder's encode is reused instead of repeated.
 */
export function buildMp4Args(input: string, output: string): string[] {
  return [
    ...COMMON, ...PROGRESS,
    '-i', input,
    '-map', '0:v:0?', '-map', '0:a:0?',
    '-c', 'copy',
    '-movflags', '+faststart',
    '-f', 'mp4',
    output,
  ];
}

/** Demux-only pass that reports how far the input can be read (for sources without a duration). */
export function buildReadThroughArgs(input: string): string[] {
  return [...COMMON, ...PROGRESS, '-i', input, '-map', '0:v:0?', '-map', '0:a:0?', '-c', 'copy', '-f', 'null', '-'];
}

export function buildProbeArgs(input: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input];
}

/**
 * The window of a trim cut from the source to the frame: decoded from the nearest keyframe before `startSeconds`,
 * re-encoded near-transparently (the pipeline encodes the ladder from it), audio kept in step.
 */
export function buildTrimSourceArgs(input: string, output: string, window: { startSeconds: number; endSeconds: number }): string[] {
  return [
    ...COMMON, ...PROGRESS,
    '-ss', window.startSeconds.toFixed(3),
    '-i', input,
    '-t', (window.endSeconds - window.startSeconds).toFixed(3),
    '-map', '0:v:0?', '-map', '0:a:0?',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k',
    '-movflags', '+faststart',
    '-f', 'mp4',
    output,
  ];
}
