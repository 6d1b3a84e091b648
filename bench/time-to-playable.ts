/**
 * Time to playable: seconds from "end class" to a ready recording with a playable master playlist, for
 * native classes of several lengths, next to what the full media pipeline needs for the same recording
 * as a file (its first playable rendition, and all renditions, images and the download).
 *
 *   npx tsx bench/time-to-playable.ts [--minutes 1,10,30] [--kbps 1500]
 *
 * Each class runs in real time against Aula as its own process: an instructor in Node (werift) publishes
 * ffmpeg's 720p test picture and a tone as real RTP, auto-record is on, one student watches. A full run
 * with the default lengths takes about 41 minutes of classes plus the pipelines (~55 minutes in all).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { apiJson, startAulaProcess } from './support';
import { NodeParticipant, seedLiveClass, startSyntheticMedia } from './sfu';

const run = promisify(execFile);

interface Rec {
  id: string;
  status: string;
  durationSeconds: number | null;
  progress: { stage: string; percent: number } | null;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const lengths = option('minutes', '1,10,30').split(',').map(Number).filter((n) => n > 0);
  const kbps = Number(option('kbps', '1500'));
  const aula = await startAulaProcess({ LOG_LEVEL: 'error', AULA_LIVE_GRACE_SECONDS: '600' });
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
      let ready = 0;
      while (!ready) {
        const r = await api<Rec>('GET', `/api/v1/recordings/${recId}`);
        if (r.status === 'ready') ready = (Date.now() - endAt) / 1000;
        else if (Date.now() - endAt > 120_000) throw new Error(`recording ${recId} not ready after 120 s: ${r.status}`);
        else await sleep(50);
      }
      media.stop();
      await host.close();
      await student.close();
      const classSeconds = (endAt - startedAt) / 1000;
      const playback = await api<{ hls: string }>('GET', `/api/v1/recordings/${recId}/playback`);
      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playback.hls], { timeout: 120_000 });
      const playable = Number(stdout.trim());
      process.stdout.write(` ready ${ready.toFixed(2)} s after the end; master plays ${playable.toFixed(1)} s\n`);

      // The full pipeline on the same recording's source file, queued as soon as the recording was ready.
      let jobStart = 0;
      let firstPlayable = 0;
      const pipelineFrom = Date.now();
      for (;;) {
        const r = await api<Rec>('GET', `/api/v1/recordings/${recId}`);
        const stage = r.progress?.stage ?? 'queued';
        if (!jobStart && stage !== 'queued') jobStart = Date.now();
        if (jobStart && !firstPlayable && (r.progress?.percent ?? 0) >= 10) firstPlayable = Date.now();
        if (stage === 'done') break;
        if (Date.now() - pipelineFrom > minutes * 60_000 * 3 + 120_000) throw new Error('pipeline did not finish');
        await sleep(250);
      }
      const doneAt = Date.now();
      const started = jobStart || pipelineFrom;
      rows.push(
        `${String(minutes).padStart(7)}  ${classSeconds.toFixed(0).padStart(9)}  ${ready.toFixed(2).padStart(13)}  ${playable.toFixed(1).padStart(12)}  ` +
          `${((firstPlayable || doneAt) - started) / 1000 > 0 ? (((firstPlayable || doneAt) - started) / 1000).toFixed(1).padStart(18) : '–'.padStart(18)}  ${((doneAt - started) / 1000).toFixed(1).padStart(14)}  ` +
          `${(((doneAt - started) / 1000) / Math.max(ready, 0.01)).toFixed(0).padStart(8)}×`,
      );
    }
    console.log('');
    console.log('minutes  class (s)  live: ready (s)  plays (s)  pipeline: 1st rung (s)  pipeline: all (s)  all/live');
    for (const r of rows) console.log(r);
    console.log('');
    console.log('live: seconds from "end class" to a ready recording whose master plays (the recorder finalises the playlist it wrote during the class).');
    console.log('pipeline: the same recording\'s source through the full media pipeline (fast-path copy, then 480p/360p/audio, poster, sprite, MP4, chat).');
  } finally {
    await aula.stop();
  }
}

await main();
// werift's sockets and timers keep the loop alive after the clients close.
process.exit(0);
