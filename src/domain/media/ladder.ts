/**
 * Aula's rendition ladder and every ffmpeg argument list the media pipeline runs.
 * Pure: probe facts and policy in, argument arrays and playlist text out.
 */

// ---------------------------------------------------------------- probe facts

export interface VideoStreamProbe {
  codec: string;
  /** ffprobe profile name, e.g. "High", "Constrained Baseline". */
  profile: string | null;
  /** H.264 level_idc, e.g. 31 for level 3.1. */
  level: number | null;
  width: number;
  height: number;
  fps: number | null;
  bitRate: number | null;
  pixFmt: string | null;
  durationSeconds: number | null;
}

export interface AudioStreamProbe {
  codec: string;
  profile: string | null;
  channels: number;
  sampleRate: number | null;
  bitRate: number | null;
  durationSeconds: number | null;
}

export interface MediaProbe {
  durationSeconds: number | null;
  formatName: string;
  sizeBytes: number | null;
  bitRate: number | null;
  video?: VideoStreamProbe;
  audio?: AudioStreamProbe;
}

// ---------------------------------------------------------------- ladder policy

export const SEGMENT_SECONDS = 4;
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

const SMALLEST_RUNG_KBPS = 800;

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

export function hasMediaStreams(probe: MediaProbe): boolean {
  return probe.video !== undefined || probe.audio !== undefined;
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

function rungNameFor(shortSide: number): string {
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

// ---------------------------------------------------------------- ffmpeg arguments

const COMMON = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];
const PROGRESS = ['-progress', 'pipe:1', '-nostats'];

export const SEGMENT_PATTERN = 'seg_%05d.ts';
export const VARIANT_PLAYLIST = 'index.m3u8';

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

function thumbnailFilter(p: SpritePlan): string {
  const { tileWidth: w, tileHeight: h } = p;
  // Letterboxed rather than stretched, so 4:3 slides and portrait phones keep their shape.
  return `fps=1/${p.intervalSeconds},scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
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

/** Poster frame at 10 % of the duration (at least 1 s in, never past the middle), at most 1280 wide. */
export function posterTimeSeconds(durationSeconds: number): number {
  return Math.max(0, Math.min(Math.max(1, durationSeconds * 0.1), durationSeconds / 2));
}

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

// ---------------------------------------------------------------- playlists

export interface MediaSegment {
  uri: string;
  durationSeconds: number;
}

export function parseMediaPlaylist(text: string): { segments: MediaSegment[]; ended: boolean } {
  const segments: MediaSegment[] = [];
  let pending: number | null = null;
  let ended = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) {
      const value = Number.parseFloat(line.slice('#EXTINF:'.length));
      pending = Number.isFinite(value) ? value : 0;
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (line !== '' && !line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSeconds: pending });
      pending = null;
    }
  }
  return { segments, ended };
}

/**
 * BANDWIDTH is the peak segment bitrate (as HLS defines it), AVERAGE-BANDWIDTH the whole rendition's.
 * A short trailing segment is left out of the peak: its fixed overhead would overstate it.
 */
export function measureBandwidth(segments: Array<{ durationSeconds: number; sizeBytes: number }>): { peak: number; average: number } {
  const totalBits = segments.reduce((sum, s) => sum + s.sizeBytes * 8, 0);
  const totalSeconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
  const average = totalSeconds > 0 ? Math.ceil(totalBits / totalSeconds) : 0;
  const long = segments.filter((s) => s.durationSeconds >= 1);
  const peakOver = long.length > 0 ? long : segments;
  const peak = peakOver.reduce((max, s) => (s.durationSeconds > 0 ? Math.max(max, Math.ceil((s.sizeBytes * 8) / s.durationSeconds)) : max), 0);
  return { peak: Math.max(peak, average), average };
}

const AVC_PROFILES: Record<string, string> = {
  Baseline: '4200',
  'Constrained Baseline': '42c0',
  Main: '4d40',
  Extended: '5800',
  High: '6400',
  'High 10': '6e00',
  'High 4:2:2': '7a00',
  'High 4:4:4 Predictive': 'f400',
};

/** RFC 6381 codec id for H.264, e.g. avc1.64001f for High level 3.1. */
export function avcCodecString(profile: string | null, level: number | null): string {
  const pc = (profile && AVC_PROFILES[profile]) ?? '6400';
  const lv = level !== null && level > 0 && level < 256 ? level : 40;
  return `avc1.${pc}${lv.toString(16).padStart(2, '0')}`;
}

export function aacCodecString(profile: string | null): string {
  switch (profile) {
    case 'HE-AAC':
      return 'mp4a.40.5';
    case 'HE-AACv2':
      return 'mp4a.40.29';
    case 'Main':
      return 'mp4a.40.1';
    default:
      return 'mp4a.40.2';
  }
}

/** The CODECS attribute of a rendition whose segments probed like this. */
export function hlsCodecsOf(probe: Pick<MediaProbe, 'video' | 'audio'>): string {
  return [...(probe.video ? [avcCodecString(probe.video.profile, probe.video.level)] : []), ...(probe.audio ? [aacCodecString(probe.audio.profile)] : [])].join(',');
}

export interface MasterEntry {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  /** null for the audio-only rendition. */
  width: number | null;
  height: number | null;
  codecs: string;
}

/**
 * Video renditions are listed lowest bandwidth first: Apple's players and hls.js start on the first
 * entry, so a class starts quickly on a weak connection and steps up after one segment. The
 * audio-only rendition goes last so no player ever starts on a picture-less stream.
 */
export function buildMasterPlaylist(entries: readonly MasterEntry[]): string {
  const video = entries.filter((e) => e.width !== null && e.height !== null).sort((a, b) => a.bandwidth - b.bandwidth);
  const audio = entries.filter((e) => e.width === null || e.height === null).sort((a, b) => a.bandwidth - b.bandwidth);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const e of [...video, ...audio]) {
    const attrs = [`BANDWIDTH=${e.bandwidth}`, `AVERAGE-BANDWIDTH=${e.averageBandwidth}`];
    if (e.width !== null && e.height !== null) attrs.push(`RESOLUTION=${e.width}x${e.height}`);
    attrs.push(`CODECS="${e.codecs}"`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, e.uri);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- WebVTT

export function formatVttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** HH:MM:SS for messages a person reads. */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  return `${pad2(Math.floor(total / 3600))}:${pad2(Math.floor((total % 3600) / 60))}:${pad2(total % 60)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Thumbnail track for seek previews: one cue per sprite tile. */
export function buildThumbnailsVtt(plan: SpritePlan, durationSeconds: number, spriteUrl = 'sprite.jpg'): string {
  const out = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSeconds;
    if (start >= durationSeconds && i > 0) break;
    const end = Math.min((i + 1) * plan.intervalSeconds, Math.max(durationSeconds, start + 0.001));
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    out.push(`${formatVttTime(start)} --> ${formatVttTime(end)}`, `${spriteUrl}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return out.join('\n');
}

export interface ChatMessage {
  t: number;
  author: string;
  text: string;
}

/** The stored chat log format: one JSON object per line, `t` in seconds from the recording's start. */
export function toChatJsonLines(messages: readonly ChatMessage[]): string {
  return messages.map((m) => JSON.stringify({ t: m.t, author: m.author, text: m.text })).join('\n') + (messages.length ? '\n' : '');
}

export const CHAT_CUE_SECONDS = 4;

/** Parses chat JSON lines (`t` or `time` in seconds); lines that are not valid messages are counted, not fatal. */
export function parseChatLines(jsonl: string): { messages: ChatMessage[]; skipped: number } {
  const messages: ChatMessage[] = [];
  let skipped = 0;
  for (const raw of jsonl.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const message = toChatMessage(raw);
    if (message) messages.push(message);
    else skipped += 1;
  }
  // Stable sort keeps the original order of messages sent in the same instant.
  messages.sort((a, b) => a.t - b.t);
  return { messages, skipped };
}

function toChatMessage(line: string): ChatMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const t = record['t'] ?? record['time'];
  const { author, text } = record;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) return null;
  if (typeof author !== 'string' || typeof text !== 'string' || text.trim() === '') return null;
  return { t, author, text };
}

function escapeVtt(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Each message shows for 4 s or until the next one; `<v Author>` lets players style speakers. */
export function chatToVtt(jsonl: string): { vtt: string; messages: ChatMessage[]; skipped: number } {
  const { messages, skipped } = parseChatLines(jsonl);
  const out = ['WEBVTT', ''];
  // The start of the next later message, found walking backwards once: linear in the log's length.
  const nextLaterStart = new Array<number | undefined>(messages.length);
  let later: number | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const following = messages[i + 1];
    if (following && following.t > messages[i]!.t) later = following.t;
    nextLaterStart[i] = later;
  }
  messages.forEach((m, i) => {
    const next = nextLaterStart[i];
    const end = next !== undefined ? Math.min(m.t + CHAT_CUE_SECONDS, next) : m.t + CHAT_CUE_SECONDS;
    // A blank line would end the cue early, so the text keeps its line breaks but loses empty lines.
    const text = escapeVtt(m.text)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .join('\n');
    const author = escapeVtt(m.author.replace(/\s+/g, ' ').trim() || 'Anonymous');
    out.push(`${formatVttTime(m.t)} --> ${formatVttTime(end)}`, `<v ${author}>${text}`, '');
  });
  return { vtt: out.join('\n'), messages, skipped };
}

// ---------------------------------------------------------------- input sniffing

const ISO_BMFF_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'styp', 'pnot']);

/** True when the bytes start like an MP4/MOV file (a box header), used to tell a cut-off MP4 from a non-media file. */
export function looksLikeIsoBmff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const type = String.fromCharCode(head[4] ?? 0, head[5] ?? 0, head[6] ?? 0, head[7] ?? 0);
  return ISO_BMFF_BOXES.has(type);
}

/** stderr phrases that mean ffmpeg ran out of input rather than failed on its own. */
export function stderrShowsTruncation(stderr: string): boolean {
  return /moov atom not found|partial file|Invalid data found when processing input|Truncating packet|unexpected end of file|error reading header/i.test(stderr);
}
