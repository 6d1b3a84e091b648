/**
 * Transcode bench: Aula's media pipeline against one plain ffmpeg command making the same ladder.
 *
 *   npx tsx bench/transcode.ts [--minutes 10] [--long-repeat 6] [--rounds 1] [--webm-minutes N] [--keep]
 *
 * Prints (a) seconds from job start to the first playable rendition, (b) Aula's realtime factor for the
 * whole job, (c) the plain command's realtime factor and the ratio plain/Aula (goal ≥ 0.95), and (a)
 * again for a source --long-repeat times longer (stream-copied concatenation, 60 minutes by default).
 * With --webm-minutes, also (d): a browser-style VP8/Opus WebM that cannot take the fast path, from job start to
 * its first playable rendition (the smallest rung, made first) and to all outputs.
 */
import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ffmpegRunner, runFfmpeg } from '../src/adapters/media/ffmpeg-process';
import { probeMedia } from '../src/adapters/media/ffprobe';
import { LocalMediaStorage } from '../src/adapters/storage/local-storage';
import { AUDIO_KBPS, AUDIO_SAMPLE_RATE, planLadder, SEGMENT_SECONDS } from '../src/domain/media/ladder';
import { createMediaPipeline, MediaProcessingFailed } from '../src/services/media-pipeline';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

const minutes = option('minutes', 10);
const longRepeat = Math.round(option('long-repeat', 6));
const rounds = Math.round(option('rounds', 1));
const keep = process.argv.includes('--keep');
const webmMinutes = process.argv.includes('--webm-minutes') ? option('webm-minutes', 10) : 0;
const logger = pino({ level: 'silent' });

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const factor = (media: number, ms: number) => `${(media / (ms / 1000)).toFixed(2)}×`;

/** CPU seconds used by finished child processes (Linux), to compare work done regardless of other load. */
async function childCpuSeconds(): Promise<number> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 of the full line, in clock ticks (100 per second).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpu: number; value: T }> {
  const cpuStart = await childCpuSeconds();
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  return { ms, cpu: (await childCpuSeconds()) - cpuStart, value };
}

async function generateSource(file: string, durationSeconds: number): Promise<void> {
  // A recorder-like source: H.264 with 2 s keyframes, AAC stereo.
  await runFfmpeg([
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=30:d=${durationSeconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:d=${durationSeconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ac', '2', '-b:a', '128k', '-shortest', '-movflags', '+faststart',
    file,
  ]);
}

/** The ladder Aula makes, written out as one ordinary ffmpeg command. */
async function plainLadderArgs(source: string, outDir: string): Promise<string[]> {
  const plan = planLadder(await probeMedia(source));
  const copy = plan.copy;
  if (!copy) throw new Error('bench source should take the fast path');
  const n = plan.encode.length;
  const filter = [
    `[0:v:0]split=${n}${plan.encode.map((_, i) => `[s${i}]`).join('')}`,
    ...plan.encode.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`),
  ].join(';');
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', source, '-filter_complex', filter];
  args.push('-map', '0:v:0', '-map', '0:a:0');
  plan.encode.forEach((_, i) => args.push('-map', `[v${i}]`, '-map', '0:a:0'));
  args.push('-map', '0:a:0');
  args.push('-c:v:0', 'copy', '-c:a:0', 'copy');
  const variants = [`v:0,a:0,name:${copy.name}`];
  plan.encode.forEach((r, i) => {
    const v = i + 1;
    const kbps = r.videoKbps ?? 0;
    args.push(
      `-c:v:${v}`, 'libx264', `-preset:v:${v}`, 'veryfast',
      `-b:v:${v}`, `${kbps}k`, `-maxrate:v:${v}`, `${Math.round(kbps * 1.07)}k`, `-bufsize:v:${v}`, `${Math.round(kbps * 1.5)}k`,
      `-g:v:${v}`, String(plan.gop), `-keyint_min:v:${v}`, String(plan.gop), `-sc_threshold:v:${v}`, '0',
      `-force_key_frames:v:${v}`, `expr:gte(t,n_forced*${SEGMENT_SECONDS})`,
      `-c:a:${v}`, 'aac', `-b:a:${v}`, `${AUDIO_KBPS}k`, `-ar:a:${v}`, String(AUDIO_SAMPLE_RATE), `-ac:a:${v}`, String(plan.audioChannels),
    );
    variants.push(`v:${v},a:${v},name:${r.name}`);
  });
  const a = n + 1;
  args.push(`-c:a:${a}`, 'aac', `-b:a:${a}`, `${AUDIO_KBPS}k`, `-ar:a:${a}`, String(AUDIO_SAMPLE_RATE), `-ac:a:${a}`, String(plan.audioChannels));
  variants.push(`a:${a},name:audio`);
  for (const name of [copy.name, ...plan.encode.map((r) => r.name), 'audio']) await mkdir(path.join(outDir, name), { recursive: true });
  args.push(
    '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'vod', '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', path.join(outDir, '%v', 'seg_%05d.ts'),
    '-var_stream_map', variants.join(' '),
    path.join(outDir, '%v', 'index.m3u8'),
  );
  return args;
}

/** Runs Aula's pipeline on a copy (hard link) of the source; stops after first playable when asked. */
async function runAula(work: string, source: string, id: string, stopAtFirstPlayable: boolean) {
  const storage = new LocalMediaStorage(path.join(work, `media-${id}`));
  const sourceKey = `recordings/${id}/source.mp4`;
  const staged = path.join(work, `${id}.upload`);
  await link(source, staged);
  await storage.putFile(sourceKey, staged);
  const pipeline = createMediaPipeline({ storage, ffmpeg: ffmpegRunner, probe: probeMedia, scratchDir: path.join(work, `scratch-${id}`), logger });
  const controller = new AbortController();
  const start = performance.now();
  let firstPlayableMs = Number.NaN;
  try {
    await pipeline.process(
      { recordingId: id, sourceKey, signal: controller.signal },
      {
        onProgress: () => undefined,
        onFirstPlayable: () => {
          firstPlayableMs = performance.now() - start;
          if (stopAtFirstPlayable) controller.abort();
        },
      },
    );
  } catch (err) {
    if (!(stopAtFirstPlayable && err instanceof MediaProcessingFailed && err.reason === 'cancelled')) throw err;
  }
  const totalMs = performance.now() - start;
  await rm(storage.rootDir, { recursive: true, force: true });
  return { firstPlayableMs, totalMs };
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'aula-bench-'));
  const durationSeconds = Math.round(minutes * 60);
  console.log(`Aula transcode bench — ${minutes} min 1280x720 30 fps H.264/AAC source, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    const source = path.join(work, 'source.mp4');
    const gen = await timed(() => generateSource(source, durationSeconds));
    const probe = await probeMedia(source);
    const media = probe.durationSeconds ?? durationSeconds;
    console.log(`  source generated in ${seconds(gen.ms)} s (${((probe.sizeBytes ?? 0) / 1e6).toFixed(0)} MB, ${media.toFixed(1)} s)`);
    const plan = planLadder(probe);
    console.log(`  ladder: ${plan.copy?.name} stream copy + ${plan.encode.map((r) => r.name).join(', ')} (x264 veryfast) + audio AAC ${AUDIO_KBPS}k`);

    let bestAula: { firstPlayableMs: number; totalMs: number } | null = null;
    let bestAulaCpu = Number.POSITIVE_INFINITY;
    let bestPlainMs = Number.POSITIVE_INFINITY;
    let bestPlainCpu = Number.POSITIVE_INFINITY;
    for (let round = 1; round <= rounds; round++) {
      // Alternate which runs first so neither always gets the warmer cache or the quieter machine.
      const order = round % 2 === 1 ? (['plain', 'aula'] as const) : (['aula', 'plain'] as const);
      for (const which of order) {
        if (which === 'plain') {
          const out = path.join(work, `plain-${round}`);
          const args = await plainLadderArgs(source, out);
          const { ms, cpu } = await timed(() => runFfmpeg(args));
          await rm(out, { recursive: true, force: true });
          console.log(`  round ${round}: plain ffmpeg ladder ${seconds(ms)} s wall, ${cpu.toFixed(1)} CPU s`);
          bestPlainMs = Math.min(bestPlainMs, ms);
          bestPlainCpu = Math.min(bestPlainCpu, cpu);
        } else {
          const { value: r, cpu } = await timed(() => runAula(work, source, `aula${round}`, false));
          console.log(`  round ${round}: Aula pipeline ${seconds(r.totalMs)} s wall, ${cpu.toFixed(1)} CPU s (first playable ${seconds(r.firstPlayableMs)} s)`);
          if (!bestAula || r.totalMs < bestAula.totalMs) bestAula = r;
          bestAulaCpu = Math.min(bestAulaCpu, cpu);
        }
      }
    }
    if (!bestAula) throw new Error('no Aula run');

    console.log('');
    console.log(`(a) first playable rendition:        ${seconds(bestAula.firstPlayableMs)} s after job start`);
    console.log(`(b) Aula full job (ladder, poster, sprite, MP4, publish): ${seconds(bestAula.totalMs)} s = ${factor(media, bestAula.totalMs)} realtime`);
    console.log(`(c) plain single ffmpeg, same ladder: ${seconds(bestPlainMs)} s = ${factor(media, bestPlainMs)} realtime`);
    console.log(`    ratio Aula/plain (plain time ÷ Aula time): ${(bestPlainMs / bestAula.totalMs).toFixed(3)} (goal ≥ 0.95)`);
    console.log(`    same ratio in ffmpeg CPU seconds (less sensitive to other load): ${(bestPlainCpu / bestAulaCpu).toFixed(3)}`);
    if (rounds > 1) console.log(`    (best of ${rounds} rounds each)`);

    const long = path.join(work, 'long.mp4');
    const list = path.join(work, 'concat.txt');
    await writeFile(list, Array.from({ length: longRepeat }, () => `file '${source.replace(/'/g, "'\\''")}'`).join('\n'));
    const concat = await timed(() =>
      runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', long]),
    );
    const longSeconds = (await probeMedia(long)).durationSeconds ?? media * longRepeat;
    const longRun = await runAula(work, long, 'long', true);
    console.log(
      `(a) first playable for a ${(longSeconds / 60).toFixed(0)} min source: ${seconds(longRun.firstPlayableMs)} s after job start` +
        ` (source concatenated in ${seconds(concat.ms)} s; job cancelled after that)`,
    );
    if (webmMinutes > 0) {
      const webm = path.join(work, 'browser.webm');
      const webmSeconds = Math.round(webmMinutes * 60);
      const made = await timed(() =>
        runFfmpeg([
          '-hide_banner', '-nostdin', '-v', 'error', '-y',
          '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=30:d=${webmSeconds}`,
          '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:d=${webmSeconds}`,
          '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-c:a', 'libopus', '-ac', '2', '-shortest', webm,
        ]),
      );
      const r = await runAula(work, webm, 'webm', false);
      console.log(
        `(d) ${webmMinutes} min 1280x720 VP8/Opus WebM (generated in ${seconds(made.ms)} s): first playable ${seconds(r.firstPlayableMs)} s,` +
          ` all outputs ${seconds(r.totalMs)} s = ${factor(webmSeconds, r.totalMs)} realtime`,
      );
    }
  } finally {
    if (keep) console.log(`work files kept in ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

await main();
