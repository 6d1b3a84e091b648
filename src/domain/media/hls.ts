/** HLS playlists: reading a media playlist, writing master and live playlists, and the attributes they carry. */
import { LIVE_SEGMENT_SECONDS } from './ladder';
import type { MediaProbe } from './probe';

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

export interface LiveSegment {
  uri: string;
  durationSeconds: number;
  bytes: number;
}

/** A media playlist of the segments uploaded so far; `ended` makes it a finished VOD playlist. */
export function buildLivePlaylist(segments: readonly LiveSegment[], ended: boolean): string {
  // The longest segment, rounded up (RFC 8216): players reload a live playlist about every target duration.
  const target = Math.max(LIVE_SEGMENT_SECONDS, ...segments.map((s) => Math.ceil(s.durationSeconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', `#EXT-X-PLAYLIST-TYPE:${ended ? 'VOD' : 'EVENT'}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const s of segments) lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  if (ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
