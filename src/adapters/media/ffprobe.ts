import { z } from 'zod';
import { buildProbeArgs } from '../../domain/media/ffmpeg-args/vod';
import type { AudioStreamProbe, MediaProbe, VideoStreamProbe } from '../../domain/media/probe';
import { runFfmpeg } from './ffmpeg-process';

export type { AudioStreamProbe, MediaProbe, VideoStreamProbe } from '../../domain/media/probe';

// ffprobe prints most numbers as strings and "N/A" when unknown.
const num = z
  .union([z.string(), z.number()])
  .optional()
  .transform((v) => {
    if (v === undefined) return null;
    const n = typeof v === 'number' ? v : Number.parseFloat(v);
    return Number.isFinite(n) ? n : null;
  });

const StreamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  level: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  pix_fmt: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  channels: z.number().optional(),
  sample_rate: num,
  bit_rate: num,
  duration: num,
  disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
});

const ProbeSchema = z.object({
  streams: z.array(StreamSchema).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: num,
      size: num,
      bit_rate: num,
    })
    .optional(),
});

type ProbeStream = z.infer<typeof StreamSchema>;

export interface ProbeOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** How services reach ffprobe: handed {@link probeMedia} by the composition root. */
export type ProbeMedia = (path: string, opts?: ProbeOptions) => Promise<MediaProbe>;

/** Facts about a media file from ffprobe. Throws FfmpegFailed when ffprobe cannot read it. */
export async function probeMedia(path: string, opts: ProbeOptions = {}): Promise<MediaProbe> {
  const { stdout } = await runFfmpeg(buildProbeArgs(path), {
    binary: 'ffprobe',
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  return parseProbeJson(stdout);
}

export function parseProbeJson(json: string): MediaProbe {
  const parsed = ProbeSchema.parse(JSON.parse(json));
  // Cover art in audio files is a "video" stream; it is not a picture to play.
  const videoStream = parsed.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audioStream = parsed.streams.find((s) => s.codec_type === 'audio');
  const format = parsed.format;
  const probe: MediaProbe = {
    durationSeconds: positive(format?.duration ?? null) ?? longestStream(parsed.streams),
    formatName: format?.format_name ?? 'unknown',
    sizeBytes: format?.size ?? null,
    bitRate: format?.bit_rate ?? null,
  };
  const video = videoStream ? toVideo(videoStream) : null;
  if (video) probe.video = video;
  if (audioStream) probe.audio = toAudio(audioStream);
  return probe;
}

function toVideo(s: ProbeStream): VideoStreamProbe | null {
  if (!s.width || !s.height) return null;
  return {
    codec: s.codec_name ?? 'unknown',
    profile: s.profile ?? null,
    level: s.level ?? null,
    width: s.width,
    height: s.height,
    fps: parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate),
    bitRate: s.bit_rate,
    pixFmt: s.pix_fmt ?? null,
    durationSeconds: positive(s.duration),
  };
}

function toAudio(s: ProbeStream): AudioStreamProbe {
  return {
    codec: s.codec_name ?? 'unknown',
    profile: s.profile ?? null,
    channels: s.channels ?? 2,
    sampleRate: s.sample_rate,
    bitRate: s.bit_rate,
    durationSeconds: positive(s.duration),
  };
}

function parseRate(rate: string | undefined): number | null {
  if (!rate) return null;
  const [n, d] = rate.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n) || n <= 0) return null;
  const value = d === undefined ? n : d > 0 ? n / d : NaN;
  return Number.isFinite(value) && value > 0 ? value : null;
}

function positive(n: number | null): number | null {
  return n !== null && n > 0 ? n : null;
}

function longestStream(streams: ProbeStream[]): number | null {
  const durations = streams.map((s) => s.duration).filter((d): d is number => d !== null && d > 0);
  return durations.length > 0 ? Math.max(...durations) : null;
}
