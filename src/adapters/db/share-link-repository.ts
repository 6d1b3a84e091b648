import type { Db } from './database';
import type { ShareLinksTable } from './schema';

export interface ShareLinkRecord {
  id: string;
  recordingId: string;
  label: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  maxViews: number | null;
  views: number;
  revokedAt: string | null;
  revokedBy: string | null;
}

function toShareLink(r: ShareLinksTable): ShareLinkRecord {
  return {
    id: r.id, recordingId: r.recording_id, label: r.label, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at,
    maxViews: r.max_views, views: r.views, revokedAt: r.revoked_at, revokedBy: r.revoked_by,
  };
}

export function createShareLinkRepository(db: Db) {
  return {
    async insert(l: { id: string; recordingId: string; tokenHash: string; label: string; createdBy: string; now: string; expiresAt: string; maxViews: number | null }) {
      await db.insertInto('share_links').values({
        id: l.id, recording_id: l.recordingId, token_hash: l.tokenHash, label: l.label, created_by: l.createdBy, created_at: l.now, expires_at: l.expiresAt,
        max_views: l.maxViews, views: 0, revoked_at: null, revoked_by: null,
      }).execute();
    },
    async get(id: string): Promise<ShareLinkRecord | null> {
      const r = await db.selectFrom('share_links').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toShareLink(r) : null;
    },
    async getByTokenHash(tokenHash: string): Promise<ShareLinkRecord | null> {
      const r = await db.selectFrom('share_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? toShareLink(r) : null;
    },
    async listForRecording(recordingId: string): Promise<ShareLinkRecord[]> {
      return (await db.selectFrom('share_links').selectAll().where('recording_id', '=', recordingId).orderBy('id', 'desc').execute()).map(toShareLink);
    },
    /** Counts a view unless the link is revoked, expired or used up; false when it was not counted. */
    async countView(id: string, now: string): Promise<boolean> {
      const r = await db.updateTable('share_links').set((eb) => ({ views: eb('views', '+', 1) }))
        .where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .where((eb) => eb.or([eb('max_views', 'is', null), eb('views', '<', eb.ref('max_views'))]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async revoke(id: string, by: string, now: string) {
      await db.updateTable('share_links').set({ revoked_at: now, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
    /** Whether media issued through the link may still be served: not revoked, not expired. */
    async isActive(id: string, now: string): Promise<boolean> {
      const r = await db.selectFrom('share_links').select('id').where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      return r !== undefined;
    },
  };
}

export type ShareLinkRepository = ReturnType<typeof createShareLinkRepository>;
