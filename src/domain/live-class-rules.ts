import type { LiveClassProvider, LiveClassStatus } from './recording-state';
import { Unprocessable } from './errors';

/**
 * Where a class stands for the people who look at it: a scheduled class whose time has passed without it ever
 * starting is "missed", not upcoming; one whose start time has come but that has not started yet is "due".
 */
export type ClassPhase = 'upcoming' | 'due' | 'live' | 'missed' | 'ended' | 'cancelled';

export function classPhase(c: { status: LiveClassStatus; provider: LiveClassProvider; startsAt: string; durationMinutes: number }, now: Date): ClassPhase {
  if (c.status !== 'scheduled') return c.status;
  const start = Date.parse(c.startsAt);
  const end = start + c.durationMinutes * 60_000;
  // An upload class is never held; once its time is over it is simply past.
  if (now.getTime() >= end) return c.provider === 'upload' ? 'ended' : 'missed';
  return now.getTime() >= start ? 'due' : 'upcoming';
}

/** A start a few minutes back is "now" typed slowly; anything earlier is a mistake. */
export const PAST_START_GRACE_MS = 5 * 60_000;

/**
 * Classes held live cannot start in the past; an upload class is where a recording made elsewhere, maybe last
 * week, is filed, so it may.
 */
export function assertStartNotInPast(provider: LiveClassProvider, startsAt: string, now: Date): void {
  if (provider === 'upload') return;
  const start = Date.parse(startsAt);
  if (start < now.getTime() - PAST_START_GRACE_MS) {
    throw new Unprocessable(`The start time ${new Date(start).toISOString()} is in the past; choose a time from now on`);
  }
}

/** Recording starts with the class where the provider records; an upload class has nothing to record. */
export function defaultAutoRecord(provider: LiveClassProvider): boolean {
  return provider !== 'upload';
}
