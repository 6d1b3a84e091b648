import { spawn } from 'node:child_process';
import { FfmpegFailed } from '../../domain/media/ffmpeg-failure';
import { lowerChildPriority } from './process-priority';

export { FfmpegFailed, type FfmpegFailureKind } from '../../domain/media/ffmpeg-failure';

export interface RunFfmpegOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called with the output position in seconds while `-progress pipe:1` is among the args. */
  onProgress?: ((outTimeSeconds: number) => void) | undefined;
  binary?: 'ffmpeg' | 'ffprobe' | undefined;
  /** CPU niceness of the process (0–19, never below Aula's own): work that must never slow down a live encoder runs at a higher one. */
  niceness?: number | undefined;
}

export interface FfmpegResult {
  stdout: string;
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 64 * 1024;
const STDOUT_MAX_BYTES = 32 * 1024 * 1024;

// Children run in their own process group; kill them if Aula itself exits so no encoder outlives it.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killGroup(group);
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs ffmpeg or ffprobe with an argument array (never a shell). Cancellation and timeouts kill the
 * whole process group. Keeps the last 64 KB of stderr for error reports.
 */
export function runFfmpeg(args: string[], opts: RunFfmpegOptions = {}): Promise<FfmpegResult> {
  const binary = opts.binary ?? 'ffmpeg';
  return new Promise<FfmpegResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FfmpegFailed('aborted', binary, null, null, ''));
      return;
    }
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Set at once, before FFmpeg starts its encoder threads: they inherit it.
    if (child.pid !== undefined) lowerChildPriority(child.pid, opts.niceness ?? 0);
    let stderrTail = '';
    let stdout = '';
    let stdoutBytes = 0;
    let lineBuffer = '';
    let stoppedBy: 'timeout' | 'aborted' | null = null;
    let settled = false;

    const stop = (why: 'timeout' | 'aborted') => {
      if (stoppedBy || child.pid === undefined) return;
      stoppedBy = why;
      killGroup(child.pid);
    };
    const onAbort = () => stop('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs && opts.timeoutMs > 0 ? setTimeout(() => stop('timeout'), opts.timeoutMs) : null;
    if (child.pid !== undefined) trackGroup(child.pid);

    const finish = (err: FfmpegFailed | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      if (err) reject(err);
      else resolve({ stdout, stderrTail });
    };

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail += chunk;
      if (stderrTail.length > STDERR_TAIL_BYTES * 2) stderrTail = stderrTail.slice(-STDERR_TAIL_BYTES);
    });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!opts.onProgress) {
        stdoutBytes += chunk.length;
        if (stdoutBytes <= STDOUT_MAX_BYTES) stdout += chunk;
        return;
      }
      // Progress blocks are key=value lines; only the output position matters here.
      lineBuffer += chunk;
      const lines = lineBuffer.split('\n');
      lineBuffer = lines.pop() ?? '';
      for (const line of lines) {
        const seconds = parseProgressLine(line);
        if (seconds !== null) opts.onProgress(seconds);
      }
    });

    child.on('error', (err) => {
      finish(new FfmpegFailed('spawn', binary, null, null, `${stderrTail}${err.message}`));
    });
    child.on('close', (code, signal) => {
      const tail = stderrTail.slice(-STDERR_TAIL_BYTES);
      stderrTail = tail;
      if (stoppedBy) finish(new FfmpegFailed(stoppedBy, binary, code, signal, tail));
      else if (code === 0) finish(null);
      else finish(new FfmpegFailed('exit', binary, code, signal, tail));
    });
  });
}

export interface StartFfmpegOptions {
  /** How much of stderr to keep for reports, in characters. */
  stderrTailChars?: number | undefined;
  /**
   * Whether Aula exiting kills the process group (the default). A live encoder is left running instead: its stdin
   * closes with Aula, it reads EOF, writes its last segment and ends by itself.
   */
  killOnExit?: boolean | undefined;
  /** Told when stdin fails (the process stopped reading); writes after that are dropped. */
  onStdinError?: ((err: Error) => void) | undefined;
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError: Error | null;
}

/** A long-lived ffmpeg fed through stdin. */
export interface RunningFfmpeg {
  /** Queues bytes on stdin; returns how many bytes wait to be read, or null once stdin is closed. */
  write(chunk: Buffer): number | null;
  /** Closes stdin: ffmpeg reads EOF and finishes its output. */
  endInput(): void;
  /** Kills the process group at once if it still runs. */
  kill(): void;
  /** The last of stderr, for reports. */
  stderrTail(): string;
  /** Settles once the process has ended (or failed to start); never rejects. */
  readonly exited: Promise<FfmpegExit>;
}

/** Starts ffmpeg with an argument array (never a shell) in its own process group, reading stdin. */
export function startFfmpeg(args: string[], opts: StartFfmpegOptions = {}): RunningFfmpeg {
  const tailChars = opts.stderrTailChars ?? 8_000;
  const child = spawn('ffmpeg', args, { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  if (child.pid !== undefined) lowerChildPriority(child.pid, 0);
  const killOnExit = opts.killOnExit ?? true;
  if (killOnExit && child.pid !== undefined) trackGroup(child.pid);
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-tailChars);
  });
  child.stdin.on('error', (err) => opts.onStdinError?.(err));
  const exited = new Promise<FfmpegExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, spawnError: null }));
    child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
  }).finally(() => {
    if (child.pid !== undefined) liveGroups.delete(child.pid);
  });
  return {
    write(chunk) {
      if (child.stdin.destroyed || child.stdin.writableEnded) return null;
      child.stdin.write(chunk);
      return child.stdin.writableLength;
    },
    endInput() {
      child.stdin.end();
    },
    kill() {
      if (child.pid === undefined || child.exitCode !== null) return;
      killGroup(child.pid);
    },
    stderrTail: () => stderrTail,
    exited,
  };
}

/** Runs ffmpeg and ffprobe for the services that take it as a dependency. */
export interface FfmpegRunner {
  run(args: string[], opts?: RunFfmpegOptions): Promise<FfmpegResult>;
  start(args: string[], opts?: StartFfmpegOptions): RunningFfmpeg;
}

export const ffmpegRunner: FfmpegRunner = { run: runFfmpeg, start: startFfmpeg };

/** Output position from one `-progress` line (`out_time_us` and, despite its name, `out_time_ms` are µs). */
export function parseProgressLine(line: string): number | null {
  const match = /^out_time_(?:us|ms)=(\d+)\s*$/.exec(line);
  if (!match?.[1]) return null;
  return Number(match[1]) / 1_000_000;
}

export type MediaToolsCheck = { available: true; version: string } | { available: false; reason: string };

/** Whether ffmpeg and ffprobe can be run here, with ffmpeg's version; checked once at start. */
export async function checkMediaTools(): Promise<MediaToolsCheck> {
  try {
    const [ffmpeg] = await Promise.all([runFfmpeg(['-hide_banner', '-version'], { timeoutMs: 10_000 }), runFfmpeg(['-hide_banner', '-version'], { timeoutMs: 10_000, binary: 'ffprobe' })]);
    const version = /version (\S+)/.exec(ffmpeg.stdout)?.[1] ?? 'unknown';
    return { available: true, version };
  } catch (err) {
    const missing = err instanceof FfmpegFailed && err.kind === 'spawn';
    return { available: false, reason: missing ? 'ffmpeg or ffprobe is not installed (on Debian: apt-get install -y ffmpeg)' : `ffmpeg does not run: ${(err as Error).message}` };
  }
}
