import { isoNow } from '../../adapters/clock';
import { newId } from '../../adapters/crypto';
import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import { assertStartNotInPast, defaultAutoRecord } from '../../domain/live-class-rules';
import { Conflict, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { LiveClassContext } from './context';
import type { LiveClassServiceDeps, NewLiveClass } from './types';

/** Scheduling classes: created with their provider's meeting, rescheduled, deleted. */
export function createClassSchedule(deps: Pick<LiveClassServiceDeps, 'liveClasses' | 'catalog' | 'access' | 'providers' | 'clock'>, ctx: LiveClassContext) {
  const { liveClasses, clock } = deps;
  const { assertProviderInput, mustGet, assertLessonFitsBatch, announce } = ctx;

  return {
    async create(actor: Principal, input: NewLiveClass) {
      const batch = await deps.catalog.getBatch(input.batchId);
      if (!batch) throw new Unprocessable(`Batch ${input.batchId} does not exist`);
      await deps.access.assertCanManage(actor, input.batchId);
      if (input.lessonId) await assertLessonFitsBatch(input.lessonId, input.batchId);
      assertStartNotInPast(input.provider, input.startsAt, clock.now());
      const options = assertProviderInput(input);
      const id = newId();
      const now = isoNow(clock);
      const record: Omit<LiveClassRecord, 'updatedAt' | 'deletedAt' | 'startedAt' | 'endedAt'> = {
        id, title: input.title, batchId: input.batchId, lessonId: input.lessonId ?? null, provider: input.provider, status: 'scheduled',
        startsAt: new Date(input.startsAt).toISOString(), durationMinutes: input.durationMinutes, autoRecord: input.autoRecord ?? defaultAutoRecord(input.provider),
        providerAccountId: input.providerAccountId ?? null, providerMeetingId: null, providerData: null,
        createdBy: actor.kind === 'user' ? actor.userId : null, createdAt: now,
      };
      const hooks = deps.providers[input.provider];
      const remote = hooks?.created ? await hooks.created({ ...record, updatedAt: now, deletedAt: null, startedAt: null, endedAt: null }, options) : undefined;
      await liveClasses.insert({ ...record, ...(remote ?? {}) });
      const created = await mustGet(id);
      announce(created);
      return created;
    },

    async update(actor: Principal, id: string, patch: { title?: string | undefined; lessonId?: string | null | undefined; startsAt?: string | undefined; durationMinutes?: number | undefined; autoRecord?: boolean | undefined }) {
      const cls = await mustGet(id);
      await deps.access.assertCanManage(actor, cls.batchId);
      if (patch.lessonId) await assertLessonFitsBatch(patch.lessonId, cls.batchId);
      if ((patch.startsAt || patch.durationMinutes) && cls.status !== 'scheduled') throw new Conflict(`Live class ${id} is '${cls.status}'; only a scheduled class can be rescheduled`);
      if (patch.startsAt) assertStartNotInPast(cls.provider, patch.startsAt, clock.now());
      await liveClasses.update(id, { ...patch, ...(patch.startsAt && { startsAt: new Date(patch.startsAt).toISOString() }), now: isoNow(clock) });
      const updated = await mustGet(id);
      await deps.providers[updated.provider]?.updated?.(updated);
      announce(updated);
      return updated;
    },

    async remove(actor: Principal, id: string) {
      const cls = await mustGet(id);
      await deps.access.assertCanManage(actor, cls.batchId);
      if (cls.status === 'live') throw new Conflict(`Live class ${id} is live; end it before deleting it`);
      await deps.providers[cls.provider]?.deleted?.(cls);
      await liveClasses.update(id, { deletedAt: isoNow(clock), ...(cls.status === 'scheduled' && { status: 'cancelled' as const }), now: isoNow(clock) });
      const removed = await liveClasses.get(id);
      if (removed) announce(removed);
    },
  };
}
