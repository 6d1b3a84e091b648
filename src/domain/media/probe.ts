/** What ffprobe tells about a media file, and the checks that tell a cut-off recording from a file that is not media. */

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

export function hasMediaStreams(probe: MediaProbe): boolean {
  return probe.video !== undefined || probe.audio !== undefined;
}

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
