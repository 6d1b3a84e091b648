import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes work folders a killed process left behind. With one process on the data dir everything there is an
 * orphan; when several share it, only folders untouched for longer than a job lease can be.
 */
export async function removeOrphanedScratch(dir: string, opts: { soleProcess: boolean; olderThanMs?: number }): Promise<number> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - (opts.olderThanMs ?? 15 * 60_000);
  let removed = 0;
  for (const name of entries) {
    const full = path.join(dir, name);
    const info = await stat(full).catch(() => null);
    if (!info) continue;
    if (opts.soleProcess || info.mtimeMs < cutoff) {
      await rm(full, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** Runs `work` in a fresh folder of its own under `scratchDir` (named after the job), removed afterwards whatever happens. */
export async function inJobScratch<T>(scratchDir: string, jobId: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(scratchDir, jobId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
