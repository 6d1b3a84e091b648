import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { placeObject, placeSegments, runTracked, testMediaArgs, type MediaPicture, type ProcessSet, type SegmentPlan } from './livekit-media';
import { TwirpFailure, type FileOutputRequest, type Json, type S3Upload, type SegmentOutputRequest, type StartRequest } from './livekit-wire';

/** One egress as the emulator keeps it, and its EgressInfo JSON (camelCase, every field, zero values included). */

export type EgressStatus = 'EGRESS_STARTING' | 'EGRESS_ACTIVE' | 'EGRESS_ENDING' | 'EGRESS_COMPLETE' | 'EGRESS_FAILED' | 'EGRESS_ABORTED' | 'EGRESS_LIMIT_REACHED';
export const TERMINAL: ReadonlySet<EgressStatus> = new Set(['EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED']);
export type EgressKind = 'roomComposite' | 'participant' | 'trackComposite';

export interface FileResult {
  filename: string;
  startedAt: bigint;
  endedAt: bigint;
  duration: bigint;
  size: number;
  location: string;
}

export interface SegmentsResult {
  playlistName: string;
  livePlaylistName: string;
  duration: bigint;
  size: number;
  playlistLocation: string;
  livePlaylistLocation: string;
  segmentCount: number;
  startedAt: bigint;
  endedAt: bigint;
}

export interface PlannedOutputs {
  file?: { filepath: string; s3?: S3Upload };
  segments?: SegmentPlan & { s3?: S3Upload };
}

export interface EgressRecord {
  egressId: string;
  roomId: string;
  roomName: string;
  kind: EgressKind;
  /** The request as LiveKit echoes it: credentials redacted. */
  request: Json;
  audioOnly: boolean;
  videoOnly: boolean;
  outputs: PlannedOutputs;
  status: EgressStatus;
  startedAtNs: bigint;
  endedAtNs: bigint;
  updatedAtNs: bigint;
  activeSinceMs: number;
  details: string;
  error: string;
  errorCode: number;
  fileResults: FileResult[];
  segmentResults: SegmentsResult[];
}

export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/** LiveKit's `{room_name}`, `{room_id}`, `{time}`, `{utc}` file name templates. */
export function expandTemplate(template: string, room: { name: string; sid: string }, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}T${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  const utc = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return template.replaceAll('{room_name}', room.name).replaceAll('{room_id}', room.sid).replaceAll('{time}', time).replaceAll('{utc}', utc);
}

function refuseUnsupportedUpload(output: { gcp?: unknown; azure?: unknown; aliOSS?: unknown }): void {
  if (output.gcp !== undefined || output.azure !== undefined || output.aliOSS !== undefined) throw new TwirpFailure('unimplemented', 'the emulator uploads to S3 or a shared directory only (no gcp, azure or aliOSS)');
}

function planFile(output: FileOutputRequest, audioOnly: boolean, room: { name: string; sid: string }, at: Date): NonNullable<PlannedOutputs['file']> {
  refuseUnsupportedUpload(output);
  const fileType = output.fileType === 'DEFAULT_FILETYPE' ? (audioOnly ? 'OGG' : 'MP4') : output.fileType;
  if (fileType !== 'MP4') throw new TwirpFailure('unimplemented', `the emulator writes MP4 files only, not ${fileType}`);
  let filepath = output.filepath === '' ? '{room_name}-{time}' : output.filepath;
  if (filepath.endsWith('/')) filepath += '{room_name}-{time}';
  if (!filepath.toLowerCase().endsWith('.mp4')) filepath += '.mp4';
  return { filepath: expandTemplate(filepath, room, at), s3: output.s3 };
}

function planSegments(output: SegmentOutputRequest, room: { name: string; sid: string }, at: Date): NonNullable<PlannedOutputs['segments']> {
  refuseUnsupportedUpload(output);
  const prefix = expandTemplate(output.filenamePrefix === '' ? '{room_name}-{time}' : output.filenamePrefix, room, at);
  const withDir = (name: string) => (name === '' || name.includes('/') ? name : path.posix.join(path.posix.dirname(prefix), name));
  const ensureExt = (name: string) => (name === '' || name.endsWith('.m3u8') ? name : `${name}.m3u8`);
  const playlistPath = ensureExt(withDir(expandTemplate(output.playlistName === '' ? `${path.posix.basename(prefix)}.m3u8` : output.playlistName, room, at)));
  const livePlaylistPath = ensureExt(withDir(expandTemplate(output.livePlaylistName, room, at)));
  if (livePlaylistPath !== '' && path.posix.dirname(livePlaylistPath) !== path.posix.dirname(playlistPath)) throw new TwirpFailure('invalid_argument', 'live playlist must be in the same directory as the playlist');
  return { prefix, playlistPath, livePlaylistPath, segmentDuration: output.segmentDuration || 4, suffix: output.filenameSuffix, s3: output.s3 };
}

/**
 * Reads the outputs as LiveKit egress does: the new `fileOutputs`/`segmentOutputs` lists win, the legacy `file`/
 * `segments` field is used only when they are empty (the SDK sends both for one output); at most one of each.
 */
export function planOutputs(req: StartRequest, audioOnly: boolean, room: { name: string; sid: string }, at: Date): PlannedOutputs {
  if (req.webhooks.length > 0) throw new TwirpFailure('unimplemented', 'the emulator sends webhooks to its configured URL only (no per-request webhooks)');
  if (req.stream !== undefined || req.streamOutputs.length > 0 || req.imageOutputs.length > 0) throw new TwirpFailure('unimplemented', 'the emulator writes file and segment outputs only (no stream or image outputs)');
  const files = req.fileOutputs.length > 0 ? req.fileOutputs : req.file ? [req.file] : [];
  const segments = req.segmentOutputs.length > 0 ? req.segmentOutputs : req.segments ? [req.segments] : [];
  if (files.length === 0 && segments.length === 0) throw new TwirpFailure('invalid_argument', 'request has missing or invalid field: output');
  if (files.length > 1 || segments.length > 1) throw new TwirpFailure('invalid_argument', 'multiple outputs of one type are not supported');
  return { file: files[0] && planFile(files[0], audioOnly, room, at), segments: segments[0] && planSegments(segments[0], room, at) };
}

/** The request echoed in EgressInfo, with S3 credentials redacted as egress does. */
export function redactedRequest(req: StartRequest): Json {
  const json = JSON.parse(JSON.stringify(req, (_key, value: unknown) => value)) as { [key: string]: Json };
  const redact = (output: Json) => {
    if (output && typeof output === 'object' && !Array.isArray(output)) {
      const s3 = output.s3;
      if (s3 && typeof s3 === 'object' && !Array.isArray(s3)) {
        if (s3.accessKey) s3.accessKey = '{access_key}';
        if (s3.secret) s3.secret = '{secret}';
        if (s3.sessionToken) s3.sessionToken = '{session_token}';
      }
    }
  };
  for (const key of ['file', 'segments']) redact(json[key] ?? null);
  for (const key of ['fileOutputs', 'segmentOutputs']) for (const output of (json[key] as Json[] | undefined) ?? []) redact(output);
  return json;
}

const str = (n: bigint | number) => String(n);

export function egressInfoJson(e: EgressRecord): Json {
  return {
    egressId: e.egressId, roomId: e.roomId, roomName: e.roomName, sourceType: e.kind === 'roomComposite' ? 'EGRESS_SOURCE_TYPE_WEB' : 'EGRESS_SOURCE_TYPE_SDK',
    status: e.status, startedAt: str(e.startedAtNs), endedAt: str(e.endedAtNs), updatedAt: str(e.updatedAtNs),
    [e.kind]: e.request,
    streamResults: [],
    fileResults: e.fileResults.map((f) => ({ filename: f.filename, startedAt: str(f.startedAt), endedAt: str(f.endedAt), duration: str(f.duration), size: str(f.size), location: f.location })),
    segmentResults: e.segmentResults.map((s) => ({
      playlistName: s.playlistName, livePlaylistName: s.livePlaylistName, duration: str(s.duration), size: str(s.size), playlistLocation: s.playlistLocation,
      livePlaylistLocation: s.livePlaylistLocation, segmentCount: str(s.segmentCount), startedAt: str(s.startedAt), endedAt: str(s.endedAt),
    })),
    imageResults: [], error: e.error, errorCode: e.errorCode, details: e.details, manifestLocation: '', backupStorageUsed: false, retryCount: 0,
  };
}

/** Result entries as egress lists them before any media exists: names known, numbers zero. */
export function plannedResults(outputs: PlannedOutputs): { fileResults: FileResult[]; segmentResults: SegmentsResult[] } {
  return {
    fileResults: outputs.file ? [{ filename: outputs.file.filepath, startedAt: 0n, endedAt: 0n, duration: 0n, size: 0, location: '' }] : [],
    segmentResults: outputs.segments
      ? [{ playlistName: outputs.segments.playlistPath, livePlaylistName: outputs.segments.livePlaylistPath, duration: 0n, size: 0, playlistLocation: '', livePlaylistLocation: '', segmentCount: 0, startedAt: 0n, endedAt: 0n }]
      : [],
  };
}

/** Writes the egress's media (`seconds` long) to its outputs and fills in its results; throws what made it fail. */
export async function recordEgressMedia(egress: EgressRecord, seconds: number, env: { processes: ProcessSet; picture: MediaPicture; localOutputDir: string; mountPath?: string | undefined }): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'livekit-egress-'));
  try {
    const mp4 = path.join(workDir, 'recording.mp4');
    const { file, segments } = egress.outputs;
    const spec = { seconds, picture: env.picture, video: !egress.audioOnly, audio: !egress.videoOnly, keyframeSeconds: segments?.segmentDuration ?? 2 };
    await runTracked(env.processes, 'ffmpeg', testMediaArgs(spec, mp4));
    const startedAt = egress.startedAtNs;
    const duration = BigInt(Math.round(seconds * 1e9));
    const endedAt = startedAt + duration;
    if (file) {
      const placed = await placeObject(mp4, file.filepath, { s3: file.s3, localOutputDir: env.localOutputDir, mountPath: env.mountPath });
      egress.fileResults = [{ filename: file.filepath, startedAt, endedAt, duration, size: placed.size, location: placed.location }];
    }
    if (segments) {
      const placed = await placeSegments(env.processes, mp4, workDir, segments, Number(startedAt / 1_000_000n), { s3: segments.s3, localOutputDir: env.localOutputDir, mountPath: env.mountPath });
      egress.segmentResults = [{
        playlistName: segments.playlistPath, livePlaylistName: segments.livePlaylistPath, duration: BigInt(Math.round(placed.durationSeconds * 1e9)), size: placed.size,
        playlistLocation: placed.playlistLocation, livePlaylistLocation: placed.livePlaylistLocation, segmentCount: placed.segmentCount, startedAt, endedAt,
      }];
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
