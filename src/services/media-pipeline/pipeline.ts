import { mkdir, mkdtemp, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { planLadder } from '../../domain/media/ladder';
import { convertChat } from './chat';
import { MediaProcessingFailed } from './failure';
import { makePoster, makeSprite } from './images';
import { probeSource } from './probe-source';
import { keepPublished, withoutKept } from './kept';
import { encodeLadder, fastPath, quickStart, wantsQuickStart } from './renditions-encode';
import { PipelineRun } from './run';
import type { MediaPipeline, MediaPipelineDeps, PipelineOutput } from './types';

/**
 * The recordings pipeline: a source in storage becomes HLS renditions, a poster, seek thumbnails, an MP4 download
 * and the chat track, each published as soon as it is made; a failure removes what it published.
 */
export function createMediaPipeline(deps: MediaPipelineDeps): MediaPipeline {
  const freeDiskBytes =
    deps.freeDiskBytes ??
    (async (dir: string) => {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    });

  return {
    async process(input, hooks = {}) {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(input.recordingId)) {
        throw new MediaProcessingFailed('internal', `invalid recording id ${JSON.stringify(input.recordingId)}`, false);
      }
      return runPipeline(new PipelineRun(deps, freeDiskBytes, input, hooks));
    },
  };
}

async function runPipeline(run: PipelineRun): Promise<PipelineOutput> {
  const { deps, input, storage } = run;
  const started = Date.now();
  let source: { path: string; cleanup(): Promise<void> } | null = null;
  const cancel = () => run.abort();
  if (input.signal?.aborted) cancel();
  input.signal?.addEventListener('abort', cancel, { once: true });
  try {
    await mkdir(deps.scratchDir, { recursive: true });
    const info = await storage.stat(input.sourceKey);
    if (!info) throw new MediaProcessingFailed('source-missing', `source file ${input.sourceKey} is missing from storage`, false);
    run.sourceSize = info.size;
    await run.ensureDiskSpace();
    run.jobDir = await mkdtemp(path.join(deps.scratchDir, `${input.recordingId}-`));

    await run.progress('probe', 0);
    source = await storage.localPathFor(input.sourceKey, run.jobDir);
    const probe = await probeSource(run, source.path);
    const plan = planLadder(probe);
    run.log.info(
      { durationSeconds: probe.durationSeconds, fastPath: plan.copy !== null, encode: plan.encode.map((r) => r.name), audio: plan.audio !== null, kept: input.kept?.map((r) => r.name) ?? [] },
      'media pipeline planned',
    );

    const kept = await keepPublished(run, input.kept ?? []);
    let ladderPlan = withoutKept(plan, kept);
    if (plan.copy && !kept.covers(plan.copy)) await fastPath(run, source.path, plan, probe);
    else if (kept.size === 0 && wantsQuickStart(plan, probe, run.deps.quickStartMinSeconds)) ladderPlan = await quickStart(run, source.path, plan, probe);
    await makePoster(run, source.path, probe);
    const thumbnails = await encodeLadder(run, source.path, ladderPlan, probe);
    if (thumbnails) await makeSprite(run, thumbnails);
    await convertChat(run);
    await run.sweepStaleOutputs();
    await run.progress('publish', 1);
    run.log.info({ seconds: (Date.now() - started) / 1000, renditions: run.output.renditions.length }, 'media pipeline finished');
    return run.output;
  } catch (err) {
    throw await run.fail(err);
  } finally {
    input.signal?.removeEventListener('abort', cancel);
    await source?.cleanup().catch(() => undefined);
    if (run.jobDir) await rm(run.jobDir, { recursive: true, force: true });
  }
}
