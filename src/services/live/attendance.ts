import { type Clock, isoNow } from '../../adapters/clock';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RoomRole } from '../../contracts/live-signaling';
import { computeAttendance, type PresenceSession, presenceJournal, type RoomJournalEntry, secondsPresent } from '../../domain/attendance';
import { NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { LiveClassStatus } from '../../domain/recording-state';
import type { ViewerAccess } from '../viewer-access';
import type { ClassWatch } from '../watch-analytics';
import { type ConnectionQualitySummary, type QualitySample, summarizeQuality } from '../../domain/connection-quality';

export interface AttendanceRow {
  userId: string;
  name: string;
  email: string | null;
  role: RoomRole;
  enrolled: boolean;
  sessions: PresenceSession[];
  firstJoinedAt: string | null;
  lastLeftAt: string | null;
  secondsPresent: number;
  /** What they watched of this class's recordings afterwards. */
  recordingWatch: ClassWatch;
  /** Their connection to the room over the class, from the SFU's stats; null when none was sampled. */
  connection: ConnectionQualitySummary | null;
}

export interface AttendanceReport {
  liveClass: { id: string; title: string; startedAt: string | null; endedAt: string | null; status: LiveClassStatus };
  items: AttendanceRow[];
}

export interface AttendanceDeps {
  liveClassRepo: Pick<LiveClassRepository, 'get'>;
  access: Pick<ViewerAccess, 'assertCanManage'>;
  members: Pick<CatalogRepository, 'listMembers'>;
  /** Joins and leaves seen by a provider's room (LiveKit classes), for their attendance. */
  providerPresence?: ((liveClassId: string) => Promise<Array<{ userId: string; name: string; joinedAt: string; leftAt: string | null }>>) | undefined;
  /** Watch time of the class's recordings per user, shown beside attendance. */
  watchOfClass?: ((liveClassId: string) => Promise<Map<string, ClassWatch>>) | undefined;
  clock: Clock;
  /** A native class's journal: from its open room, or as kept after the room closed. */
  journalOf(liveClassId: string): { roomOpen: boolean; entries(): RoomJournalEntry[] | Promise<RoomJournalEntry[]> };
}

function qualityByUser(entries: readonly RoomJournalEntry[]): Map<string, QualitySample[]> {
  const byUser = new Map<string, QualitySample[]>();
  for (const e of entries) {
    if (e.type !== 'quality') continue;
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }
  return byUser;
}

const NOTHING_WATCHED: ClassWatch = { watchedSeconds: 0, watchedPercent: 0, timeSpentSeconds: 0 };

/** Per-student time present in a class next to their watch time of its recordings, for the batch's instructors. */
export function createAttendanceReport(deps: AttendanceDeps): (viewer: Principal, liveClassId: string) => Promise<AttendanceReport> {
  return async (viewer, liveClassId) => {
    const cls = await deps.liveClassRepo.get(liveClassId);
    if (!cls || cls.deletedAt) throw new NotFound('Live class', liveClassId);
    await deps.access.assertCanManage(viewer, cls.batchId);
    const native = cls.provider === 'native';
    const journal = native ? deps.journalOf(liveClassId) : null;
    const [enrolled, watch] = await Promise.all([deps.members.listMembers('enrollments', cls.batchId), deps.watchOfClass?.(liveClassId) ?? new Map<string, ClassWatch>()]);
    const enrolledIds = new Set(enrolled.map((m) => m.id));
    const entries = journal ? await journal.entries() : presenceJournal(await deps.providerPresence?.(liveClassId) ?? [], enrolledIds);
    const lastSeen = entries.at(-1)?.at ?? isoNow(deps.clock);
    const until = cls.endedAt ?? (journal?.roomOpen !== false ? isoNow(deps.clock) : lastSeen);
    const people = computeAttendance(entries, { from: cls.startedAt, until });
    const quality = qualityByUser(entries);
    const toRow = (userId: string, name: string, email: string | null, sessions: PresenceSession[]): AttendanceRow => ({
      userId, name, email, role: 'student', enrolled: enrolledIds.has(userId), sessions,
      firstJoinedAt: sessions[0]?.joinedAt ?? null, lastLeftAt: sessions.at(-1)?.leftAt ?? null,
      secondsPresent: secondsPresent(sessions),
      recordingWatch: watch.get(userId) ?? { ...NOTHING_WATCHED },
      connection: summarizeQuality(quality.get(userId) ?? []),
    });
    const rows: AttendanceRow[] = enrolled.map((m) => toRow(m.id, m.name, m.email, people.get(m.id)?.sessions ?? []));
    for (const [userId, p] of people) {
      if (p.role === 'student' && !enrolledIds.has(userId)) rows.push(toRow(userId, p.name, null, p.sessions));
    }
    return {
      liveClass: { id: cls.id, title: cls.title, startedAt: cls.startedAt, endedAt: cls.endedAt, status: cls.status },
      items: rows.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)),
    };
  };
}
