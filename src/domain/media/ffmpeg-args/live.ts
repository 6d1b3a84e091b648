/**
 * FFmpeg arguments of the live recorder: one Matroska stream on stdin (camera, screen, microphones) becomes one
 * H.264/AAC HLS rendition while the class goes on. The recordings pipeline's arguments sit beside these in ./vod.ts.
 */
import path from 'node:path';
import { LIVE_SEGMENT_SECONDS, SEGMENT_SECONDS, type SpritePlan } from '../ladder';
import { SEGMENT_PATTERN, VARIANT_PLAYLIST } from '../recording-layout';
import { tileFilter } from './vod';

export interface LiveEncodeOptions {
  hlsDir: string;
  audioInputs: number;
  width: number;
  height: number;
  fps: number;
  preset: string;
  crf: number;
  maxKbps: number;
  audioKbps: number;
}

/** Where the camera goes while a screen is shared: a quarter-size picture with a light border, bottom right. */
export function pictureInPicture(width: number, height: number) {
  const w = Math.round(width / 4 / 2) * 2;
  const h = Math.round(height / 4 / 2) * 2;
  const border = 2;
  const margin = Math.round(width / 50);
  return { x: width - margin - w - 2 * border, y: height - margin - h - 2 * border, w, h, border, margin };
}

/**
 * stdin Matroska (camera, screen, N microphones) → one H.264/AAC HLS rendition. A screen narrower than
 * 32 px is the filler: the camera fills the picture; a real screen fills it with the camera in a corner.
 * The camera, whose frames time the output, is first brought to the output rate: a camera whose frames come late
 * (or a camera that is off, sending filler at 10 fps) then freezes only its own picture, never the share.
 */
export function buildLiveEncodeArgs(o: LiveEncodeOptions): string[] {
  const { width: W, height: H } = o;
  const pip = pictureInPicture(W, H);
  const b = pip.border;
  const video = [
    `[0:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${o.fps},split[camA][camB]`,
    `[0:v:1]scale=w=if(lt(iw\\,32)\\,16\\,${W}):h=if(lt(iw\\,32)\\,16\\,${H}):force_original_aspect_ratio=decrease:force_divisible_by=2,` +
      `pad=w=if(lt(iw\\,32)\\,iw\\,${W}):h=if(lt(iw\\,32)\\,ih\\,${H}):x=(ow-iw)/2:y=(oh-ih)/2,setsar=1[scr]`,
    `[camB][scr]scale2ref=w=if(lt(iw\\,32)\\,16\\,${pip.w}):h=if(lt(iw\\,32)\\,16\\,${pip.h})[pip0][scr2]`,
    `[pip0]pad=w=iw+${2 * b}:h=ih+${2 * b}:x=${b}:y=${b}:color=0xE0E0E0[pip]`,
    `[camA][scr2]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,0):y=0[m1]`,
    `[m1][pip]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,main_w-overlay_w-${pip.margin}):y=main_h-overlay_h-${pip.margin},format=yuv420p[v]`,
  ];
  const audioLabels = Array.from({ length: o.audioInputs }, (_, i) => `[0:a:${i}]`).join('');
  const audio = `${audioLabels}amix=inputs=${o.audioInputs}:duration=longest:dropout_transition=0:normalize=0,aresample=async=1000[a]`;
  const gop = Math.round(o.fps * LIVE_SEGMENT_SECONDS);
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning',
    '-analyzeduration', '1000000', '-probesize', '2000000',
    '-f', 'matroska', '-i', 'pipe:0',
    '-filter_complex', [...video, audio].join(';'),
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', o.preset, '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-crf', String(o.crf), '-maxrate', `${o.maxKbps}k`, '-bufsize', `${o.maxKbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${LIVE_SEGMENT_SECONDS})`,
    '-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ar', '48000', '-ac', '2',
    '-max_muxing_queue_size', '4096',
    '-f', 'hls', '-hls_time', String(LIVE_SEGMENT_SECONDS), '-hls_list_size', '0', '-hls_playlist_type', 'event',
    '-hls_flags', 'independent_segments+temp_file', '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', path.join(o.hlsDir, SEGMENT_PATTERN),
    path.join(o.hlsDir, VARIANT_PLAYLIST),
  ];
}

export interface LadderSegmentRung {
  file: string;
  width: number;
  height: number;
  videoKbps: number;
}

export interface LadderSegmentInput {
  /** One finished segment of the top rung (H.264/AAC MPEG-TS). */
  input: string;
  /** Lower rungs to make from it, each one MPEG-TS segment with the top rung's audio. */
  rungs: readonly LadderSegmentRung[];
  /** The audio-only segment; null when the recording has no audio rendition. */
  audioFile: string | null;
  /**
   * Thumbnails of the whole seconds in this segment, numbered by their second (pattern like `dir/%05d.png`):
   * the segment starts `startSeconds` into the recording, its first whole second is `first`.
   */
  thumbnails: { pattern: string; startSeconds: number; first: number; count: number; tile: Pick<SpritePlan, 'tileWidth' | 'tileHeight'> } | null;
}

/**
 * One top-rung segment → the same-numbered segment of each lower rung, the audio-only segment and the thumbnails
 * of its seconds, in one run. Timestamps are kept as they are (-copyts, encoder time base of the input, no mux
 * delay), so segments line up across renditions; each starts on a keyframe and has no B-frames, so a player can
 * switch rendition at any segment. Audio is copied: every rendition carries the same samples. Null: nothing to make.
 */
export function buildLadderSegmentArgs(o: LadderSegmentInput): string[] | null {
  const thumbs = o.thumbnails && o.thumbnails.count > 0 ? o.thumbnails : null;
  const branches = o.rungs.length + (thumbs ? 1 : 0);
  if (branches === 0 && !o.audioFile) return null;
  const filters: string[] = [];
  if (branches === 1) filters.push('[0:v:0]null[s0]');
  else if (branches > 1) filters.push(`[0:v:0]split=${branches}${Array.from({ length: branches }, (_, i) => `[s${i}]`).join('')}`);
  o.rungs.forEach((r, i) => filters.push(`[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`));
  // Recording time from the segment's start, so the fps filter lands on whole seconds of the recording.
  if (thumbs) filters.push(`[s${o.rungs.length}]setpts=PTS-STARTPTS+${thumbs.startSeconds.toFixed(6)}/TB,fps=1:round=up,${tileFilter(thumbs.tile)}[thumbs]`);

  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-copyts', '-i', o.input];
  if (filters.length > 0) args.push('-filter_complex', filters.join(';'));
  const ts = ['-muxdelay', '0', '-muxpreload', '0', '-f', 'mpegts'];
  o.rungs.forEach((r, i) => {
    args.push(
      '-map', `[v${i}]`, '-map', '0:a:0?',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', '0', '-g', '100000', '-enc_time_base:v', '-1',
      '-b:v', `${r.videoKbps}k`, '-maxrate', `${Math.round(r.videoKbps * 1.07)}k`, '-bufsize', `${Math.round(r.videoKbps * 1.5)}k`,
      '-c:a', 'copy', ...ts, r.file,
    );
  });
  if (o.audioFile) args.push('-map', '0:a:0', '-c:a', 'copy', ...ts, o.audioFile);
  if (thumbs) args.push('-map', '[thumbs]', '-frames:v', String(thumbs.count), '-start_number', String(thumbs.first), '-f', 'image2', thumbs.pattern);
  return args;
}
