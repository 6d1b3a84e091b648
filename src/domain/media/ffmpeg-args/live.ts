/**
 * FFmpeg arguments of the live recorder: one Matroska stream on stdin (camera, screen, microphones) becomes one
 * H.264/AAC HLS rendition while the class goes on. The recordings pipeline's arguments sit beside these in ./vod.ts.
 */
import path from 'node:path';
import { LIVE_SEGMENT_SECONDS } from '../ladder';
import { SEGMENT_PATTERN, VARIANT_PLAYLIST } from '../recording-layout';

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
 */
export function buildLiveEncodeArgs(o: LiveEncodeOptions): string[] {
  const { width: W, height: H } = o;
  const pip = pictureInPicture(W, H);
  const b = pip.border;
  const video = [
    `[0:v:0]scale=${W}:${H}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2,setsar=1,split[camA][camB]`,
    `[0:v:1]scale=w=if(lt(iw\\,32)\\,16\\,${W}):h=if(lt(iw\\,32)\\,16\\,${H}):force_original_aspect_ratio=decrease:force_divisible_by=2,` +
      `pad=w=if(lt(iw\\,32)\\,iw\\,${W}):h=if(lt(iw\\,32)\\,ih\\,${H}):x=(ow-iw)/2:y=(oh-ih)/2,setsar=1[scr]`,
    `[camB][scr]scale2ref=w=if(lt(iw\\,32)\\,16\\,${pip.w}):h=if(lt(iw\\,32)\\,16\\,${pip.h})[pip0][scr2]`,
    `[pip0]pad=w=iw+${2 * b}:h=ih+${2 * b}:x=${b}:y=${b}:color=0xE0E0E0[pip]`,
    `[camA][scr2]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,0):y=0[m1]`,
    `[m1][pip]overlay=x=if(lt(overlay_w\\,32)\\,main_w\\,main_w-overlay_w-${pip.margin}):y=main_h-overlay_h-${pip.margin},fps=${o.fps},format=yuv420p[v]`,
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
