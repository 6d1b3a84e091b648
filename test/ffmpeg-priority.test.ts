import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runFfmpeg } from '../src/adapters/media/ffmpeg-process';
import { waitFor } from './support/wait';

/** The ffmpeg processes this test process started, with their nice value and their scheduling group's. */
function ffmpegChildren(): Array<{ pid: number; nice: number; groupNice: number | null }> {
  const out = [];
  for (const e of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (!stat.includes('(ffmpeg)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      const group = /nice (-?\d+)/.exec(readFileSync(`/proc/${e}/autogroup`, 'utf8'));
      out.push({ pid: Number(e), nice: Number(fields[16]), groupNice: group ? Number(group[1]) : null });
    } catch {
      // ended meanwhile, or no autogroup here
    }
  }
  return out;
}

describe('FFmpeg run at a low priority', () => {
  it.runIf(process.platform === 'linux')('runs at that nice value, and so does its session’s scheduling group, which otherwise weighs as much as the live encoder’s', async () => {
    const wanted = Math.max(10, getPriority());
    const stop = new AbortController();
    const run = runFfmpeg(['-hide_banner', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25', '-t', '30', '-f', 'null', '-'], { niceness: 10, signal: stop.signal }).catch(() => null);
    try {
      const seen = await waitFor('the ffmpeg process', () => ffmpegChildren()[0] ?? null, 10_000);
      expect(seen.nice).toBe(wanted);
      if (seen.groupNice !== null) expect(seen.groupNice).toBe(wanted);
    } finally {
      stop.abort();
      await run;
    }
  });
});
