import { z } from 'zod';

/** LiveKit's egress states as protojson names them; STARTING is 0, so protojson leaves it out. */
export const EGRESS_STATUSES = ['EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING', 'EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED'] as const;
export type EgressStatus = (typeof EGRESS_STATUSES)[number];

const Int64 = z.union([z.string().regex(/^-?\d{1,20}$/), z.number().int(), z.bigint()]).transform((v) => Number(v));

const SegmentResult = z.object({
  playlistName: z.string().max(1000).optional(),
  livePlaylistName: z.string().max(1000).optional(),
  duration: Int64.optional(),
  size: Int64.optional(),
  segmentCount: Int64.optional(),
  playlistLocation: z.string().max(2000).optional(),
});

const FileResult = z.object({
  filename: z.string().max(1000).optional(),
  duration: Int64.optional(),
  size: Int64.optional(),
  location: z.string().max(2000).optional(),
});

export const EgressInfoSchema = z.object({
  egressId: z.string().min(1).max(200),
  roomId: z.string().max(200).optional(),
  roomName: z.string().max(400).optional(),
  status: z.enum(EGRESS_STATUSES).default('EGRESS_STARTING'),
  startedAt: Int64.optional(),
  endedAt: Int64.optional(),
  updatedAt: Int64.optional(),
  error: z.string().max(4000).optional(),
  errorCode: z.number().int().optional(),
  details: z.string().max(4000).optional(),
  fileResults: z.array(FileResult).max(20).default([]),
  segmentResults: z.array(SegmentResult).max(20).default([]),
});
export type EgressInfo = z.infer<typeof EgressInfoSchema>;

const RANK: Record<EgressStatus, number> = {
  EGRESS_STARTING: 0, EGRESS_ACTIVE: 1, EGRESS_ENDING: 2, EGRESS_COMPLETE: 3, EGRESS_FAILED: 3, EGRESS_ABORTED: 3, EGRESS_LIMIT_REACHED: 3,
};

export const isTerminal = (s: EgressStatus) => RANK[s] === 3;

/** Events arrive repeated and out of order: a status moves a recording only forward, and a terminal one only once. */
export function advancesEgress(known: EgressStatus | null, next: EgressStatus): boolean {
  if (known === null) return true;
  return RANK[next] > RANK[known];
}

/** What an ended egress means for its recording. */
export function egressOutcome(info: EgressInfo): { kind: 'complete'; playlistName: string; fileName: string | null } | { kind: 'failed'; reason: string } | { kind: 'running' } {
  if (!isTerminal(info.status)) return { kind: 'running' };
  if (info.status === 'EGRESS_COMPLETE') {
    const playlist = info.segmentResults.find((s) => s.playlistName)?.playlistName;
    if (!playlist) return { kind: 'failed', reason: 'LiveKit egress completed without HLS segments' };
    return { kind: 'complete', playlistName: playlist, fileName: info.fileResults.find((f) => f.filename)?.filename ?? null };
  }
  const what = info.status === 'EGRESS_LIMIT_REACHED' ? 'reached a limit' : info.status === 'EGRESS_ABORTED' ? 'was aborted' : 'failed';
  return { kind: 'failed', reason: `LiveKit egress ${what}: ${info.error || info.details || 'no reason given'}` };
}

/** What Aula keeps about the egress capturing one recording (stored beside the recording). */
export interface EgressCaptureState {
  egressId: string | null;
  status: EgressStatus | null;
  /** 1 for the first egress, 2 after the one retry of an egress that never became active. */
  attempt: number;
  /** Path prefix of this attempt's outputs, relative to the egress storage. */
  prefix: string;
  startedAt: string | null;
  error: string | null;
}

export const egressPrefix = (recordingId: string, attempt: number) => `livekit-egress/${recordingId}/${attempt}`;

/** The class's LiveKit room: one per class, named after it. */
export const roomNameOf = (liveClassId: string) => `aula-${liveClassId}`;
export const liveClassIdOfRoom = (roomName: string) => (roomName.startsWith('aula-') ? roomName.slice(5) : null);
