/**
 * Runs `work` in a fresh folder of its own for one job (named after the job), removed afterwards whatever happens,
 * so a failed import leaves no orphan files. The composition root gives each provider one over its scratch folder.
 */
export type JobScratch = <T>(jobId: string, work: (dir: string) => Promise<T>) => Promise<T>;
