import type { Db } from './database';

export interface ProviderAttendanceRow {
  sessionId: string;
  userId: string | null;
  identity: string;
  name: string;
  joinedAt: string;
  leftAt: string | null;
}

/** Who was in a provider's room (LiveKit) and when, one row per participant session. */
export function createProviderAttendanceRepository(db: Db) {
  return {
    /** A repeated join of the same session changes nothing. */
    async joined(liveClassId: string, row: Omit<ProviderAttendanceRow, 'leftAt'>): Promise<void> {
      await db.insertInto('provider_attendance')
        .values({ live_class_id: liveClassId, session_id: row.sessionId, user_id: row.userId, identity: row.identity, name: row.name, joined_at: row.joinedAt, left_at: null })
        .onConflict((oc) => oc.columns(['live_class_id', 'session_id']).doNothing())
        .execute();
    },
    async left(liveClassId: string, sessionId: string, at: string): Promise<boolean> {
      const r = await db.updateTable('provider_attendance').set({ left_at: at }).where('live_class_id', '=', liveClassId).where('session_id', '=', sessionId).where('left_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async listForClass(liveClassId: string): Promise<ProviderAttendanceRow[]> {
      const rows = await db.selectFrom('provider_attendance').selectAll().where('live_class_id', '=', liveClassId).orderBy('joined_at').execute();
      return rows.map((r) => ({ sessionId: r.session_id, userId: r.user_id, identity: r.identity, name: r.name, joinedAt: r.joined_at, leftAt: r.left_at }));
    },
  };
}

export type ProviderAttendanceRepository = ReturnType<typeof createProviderAttendanceRepository>;
