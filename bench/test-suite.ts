/**
 * Where `npm test`'s time goes: runs it under Linux process accounting and prints its wall time next to the least
 * any schedule could take on this machine, the CPU seconds it used divided by the cores, with those CPU seconds by
 * program (Chromium, FFmpeg, ffprobe, Node, the rest).
 *
 *   npx tsx bench/test-suite.ts [vitest arguments, e.g. test/live-quality.test.ts]
 *
 * Needs root (accton) and installs Debian's `acct` when missing. Accounting is off again when it ends.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface ProcessRecord {
  command: string;
  cpuSeconds: number;
  /** Average address space, kB. */
  memoryKb: number;
}

/** The kernel's accounting clock (AHZ): dump-acct prints times in these ticks. */
const TICKS_PER_SECOND = 100;

/** dump-acct's lines: command|version|user|system|elapsed|uid|gid|memory|io|pid|ppid|flags|exit|tty|start. */
function readRecords(file: string): ProcessRecord[] {
  const text = execFileSync('dump-acct', [file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const records: ProcessRecord[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|').map((x) => x.trim());
    if (f.length < 15) continue;
    records.push({ command: f[0]!, cpuSeconds: (Number(f[2]) + Number(f[3])) / TICKS_PER_SECOND, memoryKb: Number(f[7]) });
  }
  return records;
}

/** Node's processes by name: Node itself, npm (named after its command, `npm exec …`), and the build tools' workers. */
const NODE_COMMANDS = new Set(['node', 'esbuild', 'rolldown-worker']);
/**
 * A process ends under the name of the thread that ended last, so Chromium's end as ThreadPoolForeg, HangWatcher
 * and the like. What tells them apart is the address space Chromium reserves, over 5 GB each: of the rest only Node
 * reserves as much, and Node's end under its own names.
 */
const CHROMIUM_MIN_MEMORY_KB = 5_000_000;

function programOf(r: ProcessRecord): string {
  if (r.command === 'ffmpeg') return 'FFmpeg';
  if (r.command === 'ffprobe') return 'ffprobe';
  if (NODE_COMMANDS.has(r.command) || r.command.startsWith('npm ')) return 'Node';
  if (r.memoryKb > CHROMIUM_MIN_MEMORY_KB) return 'Chromium';
  return 'other';
}

/** CPU seconds by program, and the busiest commands among the other programs. */
function cpuByProgram(records: ProcessRecord[]): { totals: Map<string, number>; others: string } {
  const totals = new Map<string, number>();
  const other = new Map<string, number>();
  for (const r of records) {
    const program = programOf(r);
    totals.set(program, (totals.get(program) ?? 0) + r.cpuSeconds);
    if (program === 'other') other.set(r.command, (other.get(r.command) ?? 0) + r.cpuSeconds);
  }
  const others = [...other].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([c, s]) => `${c} ${s.toFixed(0)} s`).join(', ');
  return { totals, others };
}

function ensureAccounting(): void {
  if (process.getuid?.() !== 0) throw new Error('process accounting needs root (accton)');
  execFileSync('bash', ['-c', '. scripts/debian-packages.sh && ensure_packages accton:acct dump-acct:acct'], { stdio: 'inherit' });
}

async function runTests(args: string[]): Promise<{ wallSeconds: number; status: number }> {
  const started = performance.now();
  const child = spawn('bash', ['scripts/test.sh', ...args], { stdio: 'inherit' });
  const status = await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  return { wallSeconds: (performance.now() - started) / 1000, status };
}

async function main(): Promise<void> {
  process.chdir(path.join(import.meta.dirname, '..'));
  ensureAccounting();
  const testArgs = process.argv.slice(2);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-test-suite-'));
  const file = path.join(dir, 'pacct');
  writeFileSync(file, '');
  const stop = () => execFileSync('accton', ['off'], { stdio: 'ignore' });
  process.on('SIGINT', () => { stop(); process.exit(130); });
  execFileSync('accton', [file], { stdio: 'ignore' });
  let run: { wallSeconds: number; status: number };
  try {
    run = await runTests(testArgs);
  } finally {
    stop();
  }
  const { totals, others } = cpuByProgram(readRecords(file));
  rmSync(dir, { recursive: true, force: true });
  const cpu = [...totals.values()].reduce((a, b) => a + b, 0);
  const cores = os.availableParallelism();
  const floor = cpu / cores;
  const byProgram = [...totals].sort((a, b) => b[1] - a[1]).map(([name, s]) => `${name} ${s.toFixed(0)} s`).join(', ');
  console.log(`\nnpm test ${testArgs.join(' ')}`.trimEnd() + `: ${run.status === 0 ? 'passed' : `failed (exit ${run.status})`}`);
  console.log(`wall time                         ${run.wallSeconds.toFixed(0).padStart(5)} s`);
  console.log(`CPU time ÷ ${cores} cores (the floor)     ${floor.toFixed(0).padStart(5)} s   wall/floor ${(run.wallSeconds / floor).toFixed(2)}`);
  console.log(`CPU time                          ${cpu.toFixed(0).padStart(5)} s   ${byProgram}`);
  if (others) console.log(`                                          other: ${others}`);
  process.exitCode = run.status;
}

await main();
