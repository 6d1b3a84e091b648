import { isoNow } from '../../adapters/clock';
import type { LiveClassRecord } from '../../adapters/db/live-class-repository';
import { Conflict, NotFound, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { OutboxEvent } from '../../domain/notifications/events';
import { type LiveClassProvider, type LiveClassStatus, nextLiveClassStatus } from '../../domain/recording-state';
import type { Actor } from '../recordings';
import type { LiveClassServiceDeps, NewLiveClass } from './types';

/** Providers Aula runs itself: no account, no remote side. */
const IN_AULA: readonly LiveClassProvider[] = ['native', 'upload'];

/** What starting or ending a class tells webhook endpoints; a native class's attendance is final when it ends. */
function classEvents(cls: LiveClassRecord, to: LiveClassStatus): OutboxEvent[] {
  const data = { liveClassId: cls.id };
  if (to === 'live') return [{ type: 'live_class.started', subjectId: cls.id, data }];
  if (to !== 'ended') return [];
  return [{ type: 'live_class.ended', subjectId: cls.id, data }, ...(cls.provider === 'native' ? [{ type: 'attendance.ready' as const, subjectId: cls.id, data }] : [])];
}

/** Loading, provider checks, state moves and console announcements every use case of live classes shares. */
export function createLiveClassContext(deps: Pick<LiveClassServiceDeps, 'liveClasses' | 'catalog' | 'access' | 'providers' | 'feed' | 'clock' | 'logger'>) {
  const { liveClasses, clock, logger } = deps;

  /** Host links (Zoom's `start_url`, and when it was issued) are for the class's staff; students get the join link only. */
  function forViewer(viewer: Principal, cls: LiveClassRecord): LiveClassRecord {
    const hidden = deps.providers[cls.provider]?.hostLinkFields;
    if (viewer.role !== 'student' || !cls.providerData || !hidden?.some((f) => f in cls.providerData!)) return cls;
    return { ...cls, providerData: Object.fromEntries(Object.entries(cls.providerData).filter(([key]) => !hidden.includes(key))) };
  }

  /** Only providers Aula can really run are accepted, and only with the fields that apply to them. */
  function assertProviderInput(input: Pick<NewLiveClass, 'provider' | 'providerAccountId' | 'providerOptions'>): Record<string, unknown> | null {
    const hooks = deps.providers[input.provider];
    if (!hooks && !IN_AULA.includes(input.provider)) throw new Unprocessable(`Provider '${input.provider}' is not yet supported; use ${[...IN_AULA, ...Object.keys(deps.providers)].join(', ')}`);
    if (hooks?.needsAccount && !input.providerAccountId) throw new Unprocessable(`A ${input.provider} class needs providerAccountId: the ${input.provider} account to run it in`);
    if (!hooks?.needsAccount && input.providerAccountId) throw new Unprocessable(`providerAccountId does not apply to ${input.provider} classes`);
    if (!input.providerOptions) return null;
    if (!hooks?.options) throw new Unprocessable(`providerOptions does not apply to ${input.provider} classes`);
    const parsed = hooks.options.safeParse(input.providerOptions);
    if (!parsed.success) throw new Unprocessable(`providerOptions: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
    return parsed.data;
  }

  async function mustGet(id: string): Promise<LiveClassRecord> {
    const c = await liveClasses.get(id);
    if (!c || c.deletedAt) throw new NotFound('Live class', id);
    return c;
  }

  /** A class's lesson must belong to a course the batch takes; otherwise its students could never see it. */
  async function assertLessonFitsBatch(lessonId: string, batchId: string) {
    const [lesson, batch] = await Promise.all([deps.catalog.getLesson(lessonId), deps.catalog.getBatch(batchId)]);
    if (!lesson) throw new Unprocessable(`Lesson ${lessonId} does not exist`);
    if (!batch) throw new Unprocessable(`Batch ${batchId} does not exist`);
    if (!batch.courseIds.includes(lesson.courseId)) {
      throw new Unprocessable(`Lesson ${lessonId} belongs to a course that batch '${batch.name}' does not take`);
    }
  }

  async function move(actor: Principal | Actor, id: string, to: LiveClassStatus, patch: Partial<Pick<LiveClassRecord, 'startedAt' | 'endedAt'>>) {
    const cls = await mustGet(id);
    if (typeof actor !== 'string') await deps.access.assertCanManage(actor, cls.batchId);
    nextLiveClassStatus(cls.status, to);
    const ok = await liveClasses.update(id, { status: to, ...patch, now: isoNow(clock) }, cls.status, classEvents(cls, to));
    if (!ok) throw new Conflict(`Live class ${id} changed meanwhile; try again`);
    logger.info({ liveClassId: id, from: cls.status, to }, 'live class state changed');
    const moved = await mustGet(id);
    announce(moved);
    return moved;
  }

  /** Tells every console (in every process) that a class changed. */
  function announce(cls: LiveClassRecord) {
    deps.feed?.publish({ kind: 'live-class', liveClassId: cls.id, batchId: cls.batchId, status: cls.status, deleted: cls.deletedAt !== null, at: isoNow(clock) });
  }

  return { forViewer, assertProviderInput, mustGet, assertLessonFitsBatch, move, announce };
}

export type LiveClassContext = ReturnType<typeof createLiveClassContext>;
