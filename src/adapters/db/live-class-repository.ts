import type { OutboxEvent } from '../../domain/notifications/events';
import type { LiveClassProvider, LiveClassStatus } from '../../domain/recording-state';
import type { Db } from './database';
import { insertOutboxEvents } from './outbox-writer';
import { type Page, type PageRequest, toPage } from './pagination';
import type { LiveClassesTable } from './schema';

export interface LiveClassRecord {
  id: string;
  title: string;
  batchId: string;
  lessonId: string | null;
  provider: LiveClassProvider;
  status: LiveClassStatus;
  startsAt: string;
  durationMinutes: number;
  autoRecord: boolean;
  providerAccountId: string | null;
  providerMeetingId: string | null;
  providerData: Record<string, unknown> | null;
  startedAt: string | null;
  endedAt: string | null;
  deletedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

function toLiveClass(r: LiveClassesTable): LiveClassRecord {
  return {
    id: r.id, title: r.title, batchId: r.batch_id, lessonId: r.lesson_id, provider: r.provider, status: r.status,
    startsAt: r.starts_at, durationMinutes: r.duration_minutes, autoRecord: r.auto_record === 1,
    providerAccountId: r.provider_account_id, providerMeetingId: r.provider_meeting_id,
    providerData: r.provider_data ? (JSON.parse(r.provider_data) as Record<string, unknown>) : null,
    startedAt: r.started_at, endedAt: r.ended_at, deletedAt: r.deleted_at, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface LiveClassFilter {
  batchIds: string[] | null;
  batchId?: string | undefined;
  lessonId?: string | undefined;
  status?: LiveClassStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export function createLiveClassRepository(db: Db) {
  return {
    async insert(c: Omit<LiveClassRecord, 'updatedAt' | 'deletedAt' | 'startedAt' | 'endedAt'>) {
      await db.insertInto('live_classes').values({
        id: c.id, title: c.title, batch_id: c.batchId, lesson_id: c.lessonId, provider: c.provider, status: c.status, starts_at: c.startsAt,
        duration_minutes: c.durationMinutes, auto_record: c.autoRecord ? 1 : 0, provider_account_id: c.providerAccountId,
        provider_meeting_id: c.providerMeetingId, provider_data: c.providerData ? JSON.stringify(c.providerData) : null,
        started_at: null, ended_at: null, deleted_at: null, created_by: c.createdBy, created_at: c.createdAt, updated_at: c.createdAt,
      }).execute();
    },

    /** `outbox`: events committed in the same transaction as the change, and only when it applies. */
    async update(id: string, patch: Partial<Pick<LiveClassRecord, 'title' | 'lessonId' | 'startsAt' | 'durationMinutes' | 'autoRecord' | 'status' | 'startedAt' | 'endedAt' | 'deletedAt' | 'providerMeetingId' | 'providerData'>> & { now: string }, expectStatus?: LiveClassStatus, outbox?: OutboxEvent[]) {
      return db.transaction().execute(async (trx) => {
        let q = trx.updateTable('live_classes').set({
          ...(patch.title !== undefined && { title: patch.title }),
          ...(patch.lessonId !== undefined && { lesson_id: patch.lessonId }),
          ...(patch.startsAt !== undefined && { starts_at: patch.startsAt }),
          ...(patch.durationMinutes !== undefined && { duration_minutes: patch.durationMinutes }),
          ...(patch.autoRecord !== undefined && { auto_record: patch.autoRecord ? 1 : 0 }),
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.startedAt !== undefined && { started_at: patch.startedAt }),
          ...(patch.endedAt !== undefined && { ended_at: patch.endedAt }),
          ...(patch.deletedAt !== undefined && { deleted_at: patch.deletedAt }),
          ...(patch.providerMeetingId !== undefined && { provider_meeting_id: patch.providerMeetingId }),
          ...(patch.providerData !== undefined && { provider_data: patch.providerData ? JSON.stringify(patch.providerData) : null }),
          updated_at: patch.now,
        }).where('id', '=', id);
        // A compare-and-set on status keeps two concurrent starts from both winning.
        if (expectStatus) q = q.where('status', '=', expectStatus);
        const applied = Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
        if (applied) await insertOutboxEvents(trx, outbox, patch.now);
        return applied;
      });
    },

    async get(id: string): Promise<LiveClassRecord | null> {
      const r = await db.selectFrom('live_classes').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toLiveClass(r) : null;
    },

    async getByProviderMeeting(provider: LiveClassProvider, meetingId: string): Promise<LiveClassRecord | null> {
      const r = await db.selectFrom('live_classes').selectAll().where('provider', '=', provider).where('provider_meeting_id', '=', meetingId).executeTakeFirst();
      return r ? toLiveClass(r) : null;
    },

    async list(f: LiveClassFilter, page: PageRequest): Promise<Page<LiveClassRecord>> {
      if (f.batchIds && f.batchIds.length === 0) return { items: [], nextCursor: null };
      let q = db.selectFrom('live_classes').selectAll().where('deleted_at', 'is', null).orderBy('id').limit(page.limit + 1);
      if (f.batchIds) q = q.where('batch_id', 'in', f.batchIds);
      if (f.batchId) q = q.where('batch_id', '=', f.batchId);
      if (f.lessonId) q = q.where('lesson_id', '=', f.lessonId);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.from) q = q.where('starts_at', '>=', f.from);
      if (f.to) q = q.where('starts_at', '<', f.to);
      if (page.cursor) q = q.where('id', '>', page.cursor);
      return toPage((await q.execute()).map(toLiveClass), page.limit);
    },
  };
}

export type LiveClassRepository = ReturnType<typeof createLiveClassRepository>;
