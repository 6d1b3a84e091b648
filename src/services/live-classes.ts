import type { Logger } from 'pino';
import type { z } from 'zod';
import { type Clock, isoNow } from '../adapters/clock';
import { assertStartNotInPast, defaultAutoRecord } from '../domain/live-class-rules';
import { newId } from '../adapters/crypto';
import type { CatalogRepository } from '../adapters/db/catalog-repository';
import type { LiveClassFilter, LiveClassRecord, LiveClassRepository } from '../adapters/db/live-class-repository';
import type { PageRequest } from '../adapters/db/pagination';
import type { RecordingRepository } from '../adapters/db/recording-repository';
import { Conflict, NotFound, Unprocessable } from '../domain/errors';
import type { Principal } from '../domain/identity';
import type { OutboxEvent } from '../domain/notifications/events';
import { type LiveClassProvider, type LiveClassStatus, nextLiveClassStatus } from '../domain/recording-state';
import type { ChangeFeed } from '../contracts/change-feed';
import type { Actor, RecordingService } from './recordings';
import type { ViewerAccess } from './viewer-access';

/** What a provider (Zoom, …) does when Aula's class changes; providers without a remote side have none. */
export interface LiveClassProviderHooks {
  /** The provider records in its own cloud and delivers the files later: Aula starts no recording of its own (per class where it varies). */
  recordsInProviderCloud?: boolean | ((cls: LiveClassRecord) => boolean);
  /** Provider settings a class may choose (`providerOptions`), validated here; without it the field is refused. */
  options?: z.ZodType<Record<string, unknown>>;
  /** A class of this provider names the provider account it runs in (`providerAccountId`). */
  needsAccount?: boolean;
  /** Fields of `providerData` only the class's staff see (a host link). */
  hostLinkFields?: readonly string[];
  created?(cls: LiveClassRecord, options: Record<string, unknown> | null): Promise<Pick<LiveClassRecord, 'providerMeetingId' | 'providerData'> | void>;
  updated?(cls: LiveClassRecord): Promise<void>;
  deleted?(cls: LiveClassRecord): Promise<void>;
  /** Before one class is shown to its staff: a host link that lapses (Zoom's `start_url`) is renewed. */
  renewHostLink?(cls: LiveClassRecord): Promise<LiveClassRecord>;
  /** How this viewer joins the class (already allowed to see it); `staff` is true for the batch's instructors and admins. */
  join?(cls: LiveClassRecord, viewer: Principal, staff: boolean): Promise<JoinInfo>;
  /** A student is let to speak (publish audio and video), or no longer. */
  setSpeaker?(cls: LiveClassRecord, userId: string, allowed: boolean): Promise<void>;
}

/** Where and how one viewer joins a class. */
export interface JoinInfo {
  provider: LiveClassProvider;
  /** A page or meeting link to open. */
  url: string | null;
  /** For a LiveKit room: the server, room and a short-lived token for this viewer only. */
  serverUrl?: string;
  roomName?: string;
  token?: string;
  canPublish?: boolean;
  expiresAt?: string;
}

export interface LiveClassServiceDeps {
  liveClasses: LiveClassRepository;
  catalog: Pick<CatalogRepository, 'getBatch' | 'getLesson'>;
  access: ViewerAccess;
  recordings: RecordingService;
  recordingsRepo: Pick<RecordingRepository, 'activeForClass'>;
  clock: Clock;
  logger: Logger;
  providers: Partial<Record<LiveClassProvider, LiveClassProviderHooks>>;
  /** Consoles follow class changes through it. */
  feed?: ChangeFeed | undefined;
}

export interface NewLiveClass {
  title: string;
  batchId: string;
  lessonId?: string | null | undefined;
  provider: LiveClassProvider;
  startsAt: string;
  durationMinutes: number;
  autoRecord?: boolean | undefined;
  providerAccountId?: string | null | undefined;
  /** Provider-specific choices (Cloudflare: `{ mode }`), checked against the provider's `options` schema. */
  providerOptions?: Record<string, unknown> | null | undefined;
}

/** Providers Aula runs itself: no account, no remote side. */
const IN_AULA: readonly LiveClassProvider[] = ['native', 'upload'];

/** What starting or ending a class tells webhook endpoints; a native class's attendance is final when it ends. */
function classEvents(cls: LiveClassRecord, to: LiveClassStatus): OutboxEvent[] {
  const data = { liveClassId: cls.id };
  if (to === 'live') return [{ type: 'live_class.started', subjectId: cls.id, data }];
  if (to !== 'ended') return [];
  return [{ type: 'live_class.ended', subjectId: cls.id, data }, ...(cls.provider === 'native' ? [{ type: 'attendance.ready' as const, subjectId: cls.id, data }] : [])];
}

export function createLiveClassService(deps: LiveClassServiceDeps) {
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

  return {
    mustGet,

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

    async get(viewer: Principal, id: string) {
      const cls = await mustGet(id);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this class');
      if (viewer.role === 'student') return forViewer(viewer, cls);
      const renewHostLink = deps.providers[cls.provider]?.renewHostLink;
      return renewHostLink ? renewHostLink(cls) : cls;
    },

    async list(viewer: Principal, filter: Omit<LiveClassFilter, 'batchIds'>, page: PageRequest) {
      const result = await liveClasses.list({ ...filter, batchIds: await deps.access.batchScope(viewer) }, page);
      return { ...result, items: result.items.map((c) => forViewer(viewer, c)) };
    },

    /** How the viewer joins: Aula's room page, the provider's meeting link, or a LiveKit token for this viewer. */
    async join(viewer: Principal, id: string): Promise<JoinInfo> {
      const cls = await mustGet(id);
      await deps.access.assertCanView(viewer, cls.batchId, 'the batch of this class');
      if (cls.status === 'ended' || cls.status === 'cancelled') throw new Conflict(`Live class ${id} is '${cls.status}'; there is nothing to join`);
      const staff = await deps.access.canManage(viewer, cls.batchId);
      const hooks = deps.providers[cls.provider];
      if (hooks?.join) return hooks.join(cls, viewer, staff);
      if (cls.provider === 'native') return { provider: 'native', url: `/live/${cls.id}` };
      const data = (staff ? await (hooks?.renewHostLink?.(cls) ?? cls) : cls).providerData;
      const link = (staff && typeof data?.start_url === 'string' ? data.start_url : data?.join_url) ?? null;
      return { provider: cls.provider, url: typeof link === 'string' ? link : null };
    },

    /** The batch's staff let a student speak in a provider's room (LiveKit), or take it back. */
    async setSpeaker(viewer: Principal, id: string, userId: string, allowed: boolean) {
      const cls = await mustGet(id);
      await deps.access.assertCanManage(viewer, cls.batchId);
      const setSpeaker = deps.providers[cls.provider]?.setSpeaker;
      if (!setSpeaker) throw new Unprocessable(`Speakers are managed in the room itself for ${cls.provider} classes`);
      if (!(await deps.access.isStudentOf(userId, cls.batchId))) throw new Unprocessable(`User ${userId} is not a student of this class's batch`);
      await setSpeaker(cls, userId, allowed);
      return { liveClassId: id, userId, canPublish: allowed };
    },

    /** Starts the class; with auto-record on, recording starts too. */
    async start(actor: Principal | Actor, id: string) {
      const cls = await move(actor, id, 'live', { startedAt: isoNow(clock) });
      const inCloud = deps.providers[cls.provider]?.recordsInProviderCloud;
      const recording = cls.autoRecord && !(typeof inCloud === 'function' ? inCloud(cls) : inCloud) ? await deps.recordings.start(actor, id, 'auto-record: class started') : null;
      return { liveClass: cls, recording };
    },

    /** Ends the class; every recording still running is stopped and handed to processing. */
    async end(actor: Principal | Actor, id: string) {
      const cls = await move(actor, id, 'ended', { endedAt: isoNow(clock) });
      const stopped = [];
      for (const rec of await deps.recordingsRepo.activeForClass(id)) stopped.push(await deps.recordings.stop(actor, rec.id, 'class ended'));
      return { liveClass: cls, stoppedRecordings: stopped };
    },
  };
}

export type LiveClassService = ReturnType<typeof createLiveClassService>;
