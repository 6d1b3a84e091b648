import type { Db } from './database';

export interface AuditEvent {
  at: string;
  actorUserId: string | null;
  actorKind: string;
  recordingId: string | null;
  action: string;
  outcome: 'allowed' | 'denied';
  ip: string | null;
  userAgent: string | null;
  detail: string | null;
}

export interface AuditFilter {
  recordingId?: string | undefined;
  userId?: string | undefined;
  action?: string | undefined;
  outcome?: 'allowed' | 'denied' | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  /** Events older than this id (newest first). */
  beforeId?: number | undefined;
}

/** Append-only: the application has no update or delete here, and the database refuses them too. */
export function createAuditRepository(db: Db) {
  return {
    async append(events: AuditEvent[]) {
      if (events.length === 0) return;
      await db.insertInto('audit_events').values(events.map((e) => ({
        at: e.at, actor_user_id: e.actorUserId, actor_kind: e.actorKind, recording_id: e.recordingId, action: e.action,
        outcome: e.outcome, ip: e.ip, user_agent: e.userAgent, detail: e.detail,
      }))).execute();
    },

    async list(f: AuditFilter) {
      let q = db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(f.limit + 1);
      if (f.recordingId) q = q.where('recording_id', '=', f.recordingId);
      if (f.userId) q = q.where('actor_user_id', '=', f.userId);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.outcome) q = q.where('outcome', '=', f.outcome);
      if (f.from) q = q.where('at', '>=', f.from);
      if (f.to) q = q.where('at', '<', f.to);
      if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
      const rows = await q.execute();
      const items = rows.slice(0, f.limit).map((r) => ({
        id: Number(r.id), at: r.at, actorUserId: r.actor_user_id, actorKind: r.actor_kind, recordingId: r.recording_id, action: r.action,
        outcome: r.outcome, ip: r.ip, userAgent: r.user_agent, detail: r.detail,
      }));
      return { items, nextCursor: rows.length > f.limit ? String(items.at(-1)!.id) : null };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
