/**
 * How failed sign-ins slow guessing without handing a stranger the power to lock someone out. Per email, the first
 * few failures are free, then each further attempt waits twice as long as the last (capped); per client address, a
 * budget of failures per window. A browser the user signed in from before (a signed device cookie) is exempt from
 * both for that user, so the real user on a known browser always gets in with the right password.
 */
export const FREE_FAILURES_PER_EMAIL = 5;
export const MAX_EMAIL_DELAY_SECONDS = 15 * 60;
export const FAILURES_PER_ADDRESS = 30;
export const WINDOW_MS = 15 * 60_000;

export interface FailureHistory {
  /** Times (ms) of failures within the window, oldest first. */
  failures: number[];
}

export function recentFailures(history: FailureHistory | undefined, nowMs: number): number[] {
  return (history?.failures ?? []).filter((t) => t > nowMs - WINDOW_MS);
}

/** Seconds until this email may be tried again, or 0. */
export function emailWaitSeconds(failures: readonly number[], nowMs: number): number {
  const extra = failures.length - FREE_FAILURES_PER_EMAIL;
  if (extra < 0) return 0;
  const delay = Math.min(MAX_EMAIL_DELAY_SECONDS, 2 ** extra);
  const last = failures[failures.length - 1] ?? 0;
  return Math.max(0, Math.ceil((last + delay * 1000 - nowMs) / 1000));
}

/** Seconds until this address may try again, or 0. */
export function addressWaitSeconds(failures: readonly number[], nowMs: number): number {
  if (failures.length < FAILURES_PER_ADDRESS) return 0;
  const oldest = failures[failures.length - FAILURES_PER_ADDRESS] ?? nowMs;
  return Math.max(1, Math.ceil((oldest + WINDOW_MS - nowMs) / 1000));
}
