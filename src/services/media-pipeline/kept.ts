import type { LadderPlan } from '../../domain/media/ladder';
import { measureBandwidth, parseMediaPlaylist } from '../../domain/media/hls';
import { CONTENT_TYPES } from '../../domain/media/recording-layout';
import type { RecordingRendition } from '../../domain/recording-media';
import { readStoredText } from '../../domain/stored-objects';
import { mapLimit, UPLOAD_CONCURRENCY } from './files';
import { masterOf } from './renditions';
import type { PipelineRun } from './run';
import type { PipelineRendition } from './types';

/** Renditions the pipeline keeps as published; a rung of the plan they stand for is not made again. */
export class KeptRenditions {
  constructor(readonly renditions: readonly PipelineRendition[]) {}

  get size(): number {
    return this.renditions.length;
  }

  /** A kept rendition of the rung's name or of its picture size (a provider's own rendition of the source) stands for it. */
  covers(rung: { name: string; width?: number | null; height?: number | null }): boolean {
    return this.renditions.some((r) => r.name === rung.name || (rung.width != null && r.width === rung.width && r.height === rung.height));
  }
}

/**
 * Renditions already published from this very source (a native class's live rungs, a LiveKit egress's HLS) stay
 * exactly as they are: viewers and caches hold their segments as immutable and players may be half-way through
 * them, so the pipeline never writes other bytes under those names, nor removes them. Each whole one is listed in
 * the master and counted as an input; one with a file missing is made again.
 */
export async function keepPublished(run: PipelineRun, kept: readonly RecordingRendition[]): Promise<KeptRenditions> {
  const whole: PipelineRendition[] = [];
  for (const r of kept) {
    const measured = await measureStored(run, r);
    if (!measured) {
      run.log.warn({ rendition: r.name }, 'a rendition published before processing is incomplete in storage; the pipeline makes it again');
      continue;
    }
    run.output.renditions.push(measured.rendition);
    for (const key of measured.keys) run.inputs.add(key);
    whole.push(measured.rendition);
  }
  const result = new KeptRenditions(whole);
  if (result.size === 0) return result;
  await run.putText(run.keys.master, masterOf(run.output.renditions), CONTENT_TYPES.m3u8);
  await run.firstPlayable();
  return result;
}

/** The plan without the renditions that are kept; the copy rung stays in the plan so the MP4 is still a copy. */
export function withoutKept(plan: LadderPlan, kept: KeptRenditions): LadderPlan {
  return { ...plan, encode: plan.encode.filter((r) => !kept.covers(r)), audio: plan.audio && !kept.covers(plan.audio) ? plan.audio : null };
}

async function measureStored(run: PipelineRun, r: RecordingRendition): Promise<{ rendition: PipelineRendition; keys: string[] } | null> {
  if (r.playlistKey !== run.keys.renditionPlaylist(r.name)) return null;
  const listed = await readStoredText(run.storage, r.playlistKey).catch(() => null);
  if (listed === null) return null;
  const playlist = parseMediaPlaylist(listed);
  if (!playlist.ended || playlist.segments.length === 0) return null;
  const whole: { key: string; durationSeconds: number; sizeBytes: number }[] = [];
  let missing = false;
  await mapLimit([...playlist.segments.entries()], UPLOAD_CONCURRENCY, async ([i, s]) => {
    const key = run.keys.segment(r.name, s.uri);
    const info = await run.storage.stat(key);
    if (info) whole[i] = { key, durationSeconds: s.durationSeconds, sizeBytes: info.size };
    else missing = true;
  });
  if (missing) return null;
  const { peak, average } = measureBandwidth(whole);
  return { rendition: { ...r, bandwidth: peak, averageBandwidth: average }, keys: [r.playlistKey, ...whole.map((s) => s.key)] };
}
