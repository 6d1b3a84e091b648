import type { ChatMessage, RoomRole } from '../contracts/live-signaling';
import type { QualitySample } from './connection-quality';
import { unionOfIntervals } from './intervals';

/** One line of a live class's journal: who came and went, what was said, and signs of life in between. */
export type RoomJournalEntry =
  | { type: 'join'; at: string; userId: string; name: string; role: RoomRole }
  | { type: 'leave'; at: string; userId: string }
  | { type: 'chat'; at: string; message: ChatMessage }
  | { type: 'tick'; at: string }
  | QualitySample;

export interface PresenceSession {
  joinedAt: string;
  leftAt: string;
}

export interface PersonPresence {
  name: string;
  role: RoomRole;
  sessions: PresenceSession[];
}

/**
 * Time present per person from the room's journal: join/leave pairs, clipped to the class's start and
 * end, overlapping sessions (two tabs) counted once. A session still open ends at `until` (now, the
 * class's end, or the last sign of life before a crash).
 */
export function computeAttendance(entries: readonly RoomJournalEntry[], window: { from: string | null; until: string }): Map<string, PersonPresence> {
  const open = new Map<string, string[]>();
  const people = new Map<string, PersonPresence>();
  const untilMs = Date.parse(window.until);
  const fromMs = window.from ? Date.parse(window.from) : Number.NEGATIVE_INFINITY;
  const close = (userId: string, joinedAt: string, leftAt: string) => {
    const start = Math.max(Date.parse(joinedAt), fromMs);
    const end = Math.min(Date.parse(leftAt), untilMs);
    if (end > start) people.get(userId)?.sessions.push({ joinedAt: new Date(start).toISOString(), leftAt: new Date(end).toISOString() });
  };
  for (const e of entries) {
    if (e.type === 'join') {
      const p = people.get(e.userId);
      if (p) p.name = e.name;
      else people.set(e.userId, { name: e.name, role: e.role, sessions: [] });
      open.set(e.userId, [...(open.get(e.userId) ?? []), e.at]);
    } else if (e.type === 'leave') {
      const starts = open.get(e.userId);
      const joinedAt = starts?.shift();
      if (joinedAt) close(e.userId, joinedAt, e.at);
    }
  }
  for (const [userId, starts] of open) for (const joinedAt of starts) close(userId, joinedAt, window.until);
  for (const p of people.values()) p.sessions = mergeSessions(p.sessions);
  return people;
}

/** A provider's joins and leaves as journal entries; only the batch's students count as students. */
export function presenceJournal(rows: ReadonlyArray<{ userId: string; name: string; joinedAt: string; leftAt: string | null }>, students: ReadonlySet<string>): RoomJournalEntry[] {
  const entries: RoomJournalEntry[] = [];
  for (const r of rows) {
    entries.push({ type: 'join', at: r.joinedAt, userId: r.userId, name: r.name, role: students.has(r.userId) ? 'student' : 'host' });
    if (r.leftAt) entries.push({ type: 'leave', at: r.leftAt, userId: r.userId });
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

/** Overlapping sessions (two tabs, a rejoin before the leave was seen) as one. */
function mergeSessions(sessions: readonly PresenceSession[]): PresenceSession[] {
  const union = unionOfIntervals(sessions.map((s) => [Date.parse(s.joinedAt), Date.parse(s.leftAt)] as const));
  return union.map(([from, to]) => ({ joinedAt: new Date(from).toISOString(), leftAt: new Date(to).toISOString() }));
}

/** Whole seconds present over a person's (merged) sessions. */
export function secondsPresent(sessions: readonly PresenceSession[]): number {
  return Math.round(sessions.reduce((sum, s) => sum + (Date.parse(s.leftAt) - Date.parse(s.joinedAt)), 0) / 1000);
}
