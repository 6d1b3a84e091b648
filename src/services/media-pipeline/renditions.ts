import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildMasterPlaylist, hlsCodecsOf, measureBandwidth, parseMediaPlaylist } from '../../domain/media/hls';
import { stderrShowsTruncation, type MediaProbe } from '../../domain/media/probe';
import { CONTENT_TYPES, renditionUri, VARIANT_PLAYLIST } from '../../domain/media/recording-layout';
import { formatClock } from '../../domain/media/webvtt';
import { MediaProcessingFailed } from './failure';
import { mapLimit, UPLOAD_CONCURRENCY } from './files';
import type { PipelineRun } from './run';
import type { PipelineRendition } from './types';

export interface FinishedRendition {
  rendition: PipelineRendition;
  /** Seconds of media the rendition covers (sum of its segment durations). */
  coveredSeconds: number;
  longestSegmentSeconds: number;
  dir: string;
}

/** Measures a finished rendition in scratch: bandwidth from segment sizes, codecs from its first segment. */
export async function finishRendition(run: PipelineRun, name: string, dir: string): Promise<FinishedRendition> {
  const playlist = parseMediaPlaylist(await readFile(path.join(dir, VARIANT_PLAYLIST), 'utf8'));
  const first = playlist.segments[0];
  if (!first) {
    throw new MediaProcessingFailed('truncated', `input truncated at 00:00:00: no media could be read for the ${name} rendition`, false);
  }
  const sized = await Promise.all(
    playlist.segments.map(async (s) => ({ durationSeconds: s.durationSeconds, sizeBytes: (await stat(path.join(dir, s.uri))).size })),
  );
  const { peak, average } = measureBandwidth(sized);
  const segProbe = await run.deps.probe(path.join(dir, first.uri), { signal: run.signal });
  return {
    dir,
    coveredSeconds: playlist.segments.reduce((sum, s) => sum + s.durationSeconds, 0),
    longestSegmentSeconds: Math.max(...playlist.segments.map((s) => s.durationSeconds)),
    rendition: {
      name,
      width: segProbe.video?.width ?? null,
      height: segProbe.video?.height ?? null,
      bandwidth: peak,
      averageBandwidth: average,
      codecs: hlsCodecsOf(segProbe),
      playlistKey: run.keys.renditionPlaylist(name),
    },
  };
}

/** Segments first, then the variant playlist, then a master that lists only finished renditions. */
export async function publishRendition(run: PipelineRun, f: FinishedRendition): Promise<void> {
  const files = (await readdir(f.dir)).filter((n) => n.endsWith('.ts')).sort();
  await mapLimit(files, UPLOAD_CONCURRENCY, (file) => run.put(run.keys.segment(f.rendition.name, file), path.join(f.dir, file), CONTENT_TYPES.ts));
  await run.put(f.rendition.playlistKey, path.join(f.dir, VARIANT_PLAYLIST), CONTENT_TYPES.m3u8);
  run.output.renditions.push(f.rendition);
  await run.putText(run.keys.master, masterOf(run.output.renditions), CONTENT_TYPES.m3u8);
  await run.firstPlayable();
}

/** The master playlist listing the given renditions, in order. */
export function masterOf(renditions: readonly PipelineRendition[]): string {
  return buildMasterPlaylist(renditions.map((r) => ({ uri: renditionUri(r.name), bandwidth: r.bandwidth, averageBandwidth: r.averageBandwidth, width: r.width, height: r.height, codecs: r.codecs })));
}

export function checkTruncation(probe: MediaProbe, coveredSeconds: number, stderrTail: string): void {
  // The shortest declared stream is the most that every stream can be expected to cover.
  const declared = [probe.video?.durationSeconds, probe.audio?.durationSeconds].filter((d): d is number => typeof d === 'number' && d > 0);
  const expected = declared.length > 0 ? Math.min(...declared) : probe.durationSeconds;
  if (!expected) return;
  const shortfall = expected - coveredSeconds;
  const suspicious = stderrShowsTruncation(stderrTail);
  if (shortfall > Math.max(2, expected * 0.02) || (suspicious && shortfall > 0.5)) {
    throw new MediaProcessingFailed(
      'truncated',
      `input truncated at ${formatClock(coveredSeconds)}: the file declares ${formatClock(expected)} but its data ends there`,
      false,
    );
  }
}
