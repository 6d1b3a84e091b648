/**
 * Time to playable: seconds from "end class" to a ready recording, and to a recording with all its outputs (every
 * rendition, audio-only, poster, sprite, MP4, chat track), for native classes of several lengths; next to what the
 * full media pipeline needs for the same recording's source file (its first playable rendition, and everything).
 *
 *   npx tsx bench/time-to-playable.ts [--minutes 1,10,30] [--kbps 1500] [--ladder full|top]
 *
 * Each class runs in real time against Aula as its own process: an instructor in Node (werift) publishes
 * ffmpeg's 720p test picture and a tone as real RTP, auto-record is on, one student watches. The pipeline then
 * runs in this process on a copy of the class's source (the top rung's segments end to end), as it would after a
 * class recorded with AULA_LIVE_LADDER=top. A full run with the default lengths takes about 41 minutes of classes
 * plus the pipelines (~55 minutes in all).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { ffmpegRunner } from '../src/adapters/media/ffmpeg-process';
import { probeMedia } from '../src/adapters/media/ffprobe';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { recordingLayout } from '../src/domain/media/recording-layout';
import { createMediaPipeline } from '../src/services/media-pipeline';
import { apiJson, startAulaProcess } from './support';
import { NodeParticipant, seedLiveClass, startSyntheticMedia } from './sfu';

const run = promisify(execFile);

interface Rec {
  id: string;
  status: string;
  durationSeconds: number | null;
  progress: { stage: string; percent: number } | null;
  outputs: { renditions: unknown[] } | null;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Aula's pipeline on a hard link of the class's source file: seconds to its first playable rendition and to the end. */
async function pipelineOn(source: string, id: string): Promise<{ firstSeconds: number; allSeconds: number }> {
  const work = await mkdtemp(path.join(tmpdir(), 'aula-ttp-'));
  try {
    const storage = new LocalMediaStorage(path.join(work, 'media'));
    const sourceKey = recordingLayout(id).source('ts');
    const staged = path.join(work, 'source.upload');
    await link(source, staged);
    await storage.putFile(sourceKey, staged);
    const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir: path.join(work, 'scratch'), logger: pino({ level: 'silent' }) });
    const start = performance.now();
    let first = Number.NaN;
    await pipeline.process({ recordingId: id, sourceKey }, { onFirstPlayable: () => void (first = performance.now() - start) });
    return { firstSeconds: first / 1000, allSeconds: (performance.now() - start) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const lengths = option('minutes', '1,10,30').split(',').map(Number).filter((n) => n > 0);
  const kbps = Number(option('kbps', '1500'));
  const ladder = option('ladder', 'full');
  const aula = await startAulaProcess({ LOG_LEVEL: 'error', AULA_LIVE_GRACE_SECONDS: '600', AULA_LIVE_LADDER: ladder });
  const api = <T>(method: string, p: string, body?: unknown) => apiJson<T>(aula.url + p, method, body);
  const rows: string[] = [];
  try {
    for (const minutes of lengths) {
      const seed = await seedLiveClass(aula.url, { students: 1, autoRecord: true, title: `${minutes}-minute class` });
      const host = new NodeParticipant({ url: aula.url, liveClassId: seed.liveClassId, token: seed.instructorToken });
      await host.join();
      const tracks = await host.publish();
      const media = await startSyntheticMedia(tracks, { kbps });
      await sleep(2_000);
      host.send({ type: 'start-class' });
      await host.next('recording', 15_000);
      const student = new NodeParticipant({ url: aula.url, liveClassId: seed.liveClassId, token: seed.studentTokens[0]! });
      await student.join();
      const startedAt = Date.now();
      process.stdout.write(`${minutes}-minute class running…`);
      await sleep(minutes * 60_000);

      const recId = (await api<{ items: Rec[] }>('GET', `/api/v1/recordings?liveClassId=${seed.liveClassId}`)).items[0]!.id;
      const endAt = Date.now();
      host.send({ type: 'end-class' });
      // Ready: the recording plays; all outputs: nothing left to make (at once with the live ladder, after processing without).
      let ready = 0;
      let all = 0;
      let renditionsAtReady = 0;
      while (!all) {
        const r = await api<Rec>('GET', `/api/v1/recordings/${recId}`);
        if (r.status === 'ready' && !ready) {
          ready = (Date.now() - endAt) / 1000;
          renditionsAtReady = r.outputs?.renditions.length ?? 0;
        }
        if (r.status === 'ready' && r.progress?.stage === 'done') all = (Date.now() - endAt) / 1000;
        else if (Date.now() - endAt > minutes * 60_000 * 3 + 120_000) throw new Error(`recording ${recId} not complete: ${r.status} ${r.progress?.stage ?? ''}`);
        else await sleep(50);
      }
      media.stop();
      await host.close();
      await student.close();
      const classSeconds = (endAt - startedAt) / 1000;
      const playback = await api<{ hls: string }>('GET', `/api/v1/recordings/${recId}/playback`);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playback.hls], { timeout: 120_000 });
      const playable = Number(stdout.trim());
      process.stdout.write(` ready ${ready.toFixed(2)} s after the end (${renditionsAtReady} renditions), all outputs ${all.toFixed(2)} s; master plays ${playable.toFixed(1)} s\n`);

      // The full pipeline on the same recording's source file, as a class without the live ladder gets it.
      const source = path.join(aula.dataDir, 'media', recordingLayout(recId).source('ts'));
      // The source is stored just after the recording is ready.
      for (let i = 0; i < 100 && !existsSync(source); i++) await sleep(100);
      const pipe = await pipelineOn(source, recId);
      rows.push(
        `${String(minutes).padStart(7)}  ${classSeconds.toFixed(0).padStart(9)}  ${ready.toFixed(2).padStart(15)}  ${all.toFixed(2).padStart(25)}  ${String(renditionsAtReady).padStart(19)}  ${playable.toFixed(1).padStart(9)}  ` +
          `${pipe.firstSeconds.toFixed(1).padStart(22)}  ${pipe.allSeconds.toFixed(1).padStart(17)}  ${(pipe.allSeconds / Math.max(all, 0.01)).toFixed(0).padStart(11)}×`,
      );
    }
    console.log('');
    console.log(`live ladder: ${ladder}`);
    console.log('minutes  class (s)  live: ready (s)  live: all outputs ready (s)  renditions at ready  plays (s)  pipeline: 1st rung (s)  pipeline: all (s)  pipeline/live');
    for (const r of rows) console.log(r);
    console.log('');
    console.log('live: seconds from "end class" to a ready recording whose master plays, and to one with every output (renditions, audio, poster, sprite, MP4, chat).');
    console.log('pipeline: the same recording\'s source through the full media pipeline (fast-path copy, then 480p/360p/audio, poster, sprite, MP4), the baseline.');
  } finally {
    await aula.stop();
  }
}

await main();
// werift's sockets and timers keep the loop alive after the clients close.
process.exit(0);
