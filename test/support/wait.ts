/**
 * Polls until `check` returns a value (not null, undefined or false), or fails after `timeoutMs` with `what`.
 * A check that throws counts as "not yet" (a server restarting, a page reloading); the last error is in the failure.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Waits until Aula's job queue has nothing queued or running, read from its own `/metrics` (queue depth by state),
 * seen twice in a row so that a job enqueued by the one that just finished is not missed. For checks that
 * something did *not* happen: once the queue is idle, whatever a request set in motion has run.
 */
export async function waitForIdleJobs(baseUrl: string, opts: { metricsToken?: string; timeoutMs?: number } = {}): Promise<void> {
  const busy = async (): Promise<number> => {
    const res = await fetch(`${baseUrl}/metrics`, { headers: opts.metricsToken ? { authorization: `Bearer ${opts.metricsToken}` } : {} });
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    let count = 0;
    for (const line of (await res.text()).split('\n')) {
      const m = /^aula_jobs\{[^}]*state="(queued|running)"[^}]*\}\s+(\d+)/.exec(line);
      if (m) count += Number(m[2]);
    }
    return count;
  };
  let idleReadings = 0;
  await waitFor('the job queue to be idle', async () => {
    idleReadings = (await busy()) === 0 ? idleReadings + 1 : 0;
    return idleReadings >= 2;
  }, opts.timeoutMs ?? 20_000, 50);
}
