import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/adapters/crypto';
import { createCatalogRepository } from '../src/adapters/db/catalog-repository';
import { constraintViolationOf } from '../src/adapters/db/constraint-errors';
import { type OpenDatabase, openDatabase } from '../src/adapters/db/database';
import { createIdentityRepository } from '../src/adapters/db/identity-repository';
import { createLiveClassRepository } from '../src/adapters/db/live-class-repository';
import { createLtiRepository } from '../src/adapters/db/lti-repository';
import { createNotificationRepository } from '../src/adapters/db/notification-repository';
import { createProviderInboxRepository } from '../src/adapters/db/provider-inbox-repository';
import { createProviderAccountStore } from '../src/adapters/db/provider-repository';
import { createRecordingRepository } from '../src/adapters/db/recording-repository';
import type { ConstraintViolation } from '../src/domain/errors';
import { freshPostgresDatabase, postgresUrl } from './support/services';

// One contract for the repositories, held by both databases Aula runs on: the same calls give the same answers,
// and a broken uniqueness or reference rule becomes the same typed violation.

interface Backend {
  open(): Promise<{ database: OpenDatabase; dispose(): Promise<void> }>;
}

const BACKENDS: [string, Backend | null][] = [
  [
    'SQLite',
    {
      async open() {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-repo-contract-'));
        const database = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'aula.db') });
        return { database, dispose: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
      },
    },
  ],
  [
    'PostgreSQL',
    postgresUrl
      ? {
          async open() {
            const pg = await freshPostgresDatabase();
            const database = await openDatabase({ kind: 'postgres', url: pg.url });
            return { database, dispose: async () => { await database.close(); await pg.drop(); } };
          },
        }
      : null,
  ],
];

/** The violation a failed write maps to, or a failure of the test when it did not fail or maps to nothing. */
async function violationOf(write: Promise<unknown>): Promise<ConstraintViolation> {
  const error = await write.then(
    () => null,
    (err: unknown) => err,
  );
  expect(error, 'the write should have been refused').not.toBeNull();
  const violation = constraintViolationOf(error);
  expect(violation, `unmapped database error: ${String(error)}`).not.toBeNull();
  return violation!;
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString();
const sortedIds = (items: { id: string }[]) => items.map((i) => i.id).sort();

describe.each(BACKENDS)('repositories on %s', (_name, backend) => {
  let database: OpenDatabase;
  let dispose: () => Promise<void>;
  let catalog: ReturnType<typeof createCatalogRepository>;
  let identity: ReturnType<typeof createIdentityRepository>;
  let liveClasses: ReturnType<typeof createLiveClassRepository>;
  let recordings: ReturnType<typeof createRecordingRepository>;
  let lti: ReturnType<typeof createLtiRepository>;
  let notifications: ReturnType<typeof createNotificationRepository>;

  beforeAll(async () => {
    if (!backend) return;
    ({ database, dispose } = await backend.open());
    catalog = createCatalogRepository(database.db);
    identity = createIdentityRepository(database.db);
    liveClasses = createLiveClassRepository(database.db);
    recordings = createRecordingRepository(database.db);
    lti = createLtiRepository(database.db);
    notifications = createNotificationRepository(database.db);
  });
  afterAll(async () => {
    await dispose?.();
  });

  const test = backend ? it : it.skip;

  async function newCourse(externalId: string | null = null) {
    const id = newId();
    await catalog.insertCourse({ id, title: `Course ${id.slice(-4)}`, description: '', externalId, now: at(0) });
    return id;
  }
  async function newBatch(courseIds: string[] = []) {
    const id = newId();
    await catalog.insertBatch({ id, name: `Batch ${id.slice(-4)}`, externalId: null, courseIds, now: at(0) });
    return id;
  }
  async function newLesson(courseId: string) {
    const chapterId = newId();
    await catalog.insertChapter({ id: chapterId, courseId, title: 'Chapter', position: 1, externalId: null, now: at(0) });
    const lessonId = newId();
    await catalog.insertLesson({ id: lessonId, courseId, chapterId, title: 'Lesson', description: '', position: 1, externalId: null, now: at(0) });
    return { chapterId, lessonId };
  }
  async function newUser(role: 'admin' | 'instructor' | 'student', name = 'Someone') {
    const id = newId();
    await identity.insertUser({ id, email: `${id}@school.test`, name, role, passwordHash: null, externalId: null, now: at(0) });
    return id;
  }
  async function newLiveClass(batchId: string, lessonId: string | null = null) {
    const id = newId();
    await liveClasses.insert({
      id, title: 'Class', batchId, lessonId, provider: 'upload', status: 'scheduled', startsAt: at(0), durationMinutes: 30, autoRecord: false,
      providerAccountId: null, providerMeetingId: null, providerData: null, createdBy: null, createdAt: at(0),
    });
    return id;
  }
  async function newRecording(liveClassId: string, o: { startedAt?: string; externalRef?: string | null; status?: 'processing' | 'recording' | 'ready' } = {}) {
    const id = newId();
    await recordings.insert({
      id, liveClassId, title: 'Recording', status: o.status ?? 'processing', source: 'upload', externalRef: o.externalRef ?? null, startedAt: o.startedAt ?? at(0),
      endedAt: null, sourceKey: null, sourceSize: null, chatKey: null, captionsKey: null, actor: 'test', reason: 'created', now: at(0),
    });
    return id;
  }

  describe('catalog', () => {
    test('a course is created, read, renamed, found by its external id and deleted', async () => {
      const externalId = `lms-${newId()}`;
      const id = await newCourse(externalId);
      expect(await catalog.getCourse(id)).toMatchObject({ id, externalId, description: '' });
      expect(await catalog.updateCourse(id, { title: 'Renamed', now: at(1) })).toBe(true);
      expect(await catalog.getCourseByExternalId(externalId)).toMatchObject({ id, title: 'Renamed', updatedAt: at(1) });
      expect(await catalog.deleteCourse(id)).toBe(true);
      expect(await catalog.getCourse(id)).toBeNull();
      expect(await catalog.updateCourse(id, { title: 'Gone', now: at(2) })).toBe(false);
      expect(await catalog.deleteCourse(id)).toBe(false);
    });

    test('a second course with the same external id is a uniqueness conflict on externalId', async () => {
      const externalId = `lms-${newId()}`;
      await newCourse(externalId);
      const violation = await violationOf(newCourse(externalId));
      expect(violation).toMatchObject({ kind: 'unique', field: 'externalId', code: 'conflict' });
    });

    test('courses list in id order a page at a time, and a scoped viewer sees only the courses of their batches', async () => {
      const ids = [await newCourse(), await newCourse(), await newCourse()];
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await catalog.listCourses(null, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((c) => c.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual([...seen].sort());
      expect(seen).toEqual(expect.arrayContaining(ids));
      const batch = await newBatch([ids[0]!, ids[2]!]);
      expect((await catalog.listCourses({ batchIds: [batch] }, { limit: 10 })).items.map((c) => c.id)).toEqual([ids[0], ids[2]].sort());
      expect(await catalog.listCourses({ batchIds: [] }, { limit: 10 })).toEqual({ items: [], nextCursor: null });
    });

    test('chapters and lessons come back in position order, and the next position follows the last', async () => {
      const courseId = await newCourse();
      const [second, first] = [newId(), newId()];
      await catalog.insertChapter({ id: second, courseId, title: 'Two', position: 2, externalId: null, now: at(0) });
      await catalog.insertChapter({ id: first, courseId, title: 'One', position: 1, externalId: null, now: at(0) });
      expect((await catalog.listChapters(courseId)).map((c) => c.title)).toEqual(['One', 'Two']);
      expect(await catalog.nextChapterPosition(courseId)).toBe(3);
      expect(await catalog.nextLessonPosition(first)).toBe(1);
      for (const [title, position] of [['B', 2], ['A', 1], ['C', 3]] as const) {
        await catalog.insertLesson({ id: newId(), courseId, chapterId: first, title, description: '', position, externalId: null, now: at(0) });
      }
      expect((await catalog.listLessonsOfChapter(first)).map((l) => l.title)).toEqual(['A', 'B', 'C']);
      expect((await catalog.listLessonsOfCourse(courseId)).map((l) => l.title)).toEqual(['A', 'B', 'C']);
      expect(await catalog.nextLessonPosition(first)).toBe(4);
      expect(await catalog.updateChapter(second, { position: 0, now: at(1) })).toBe(true);
      expect((await catalog.listChapters(courseId)).map((c) => c.title)).toEqual(['Two', 'One']);
    });

    test('a batch keeps its courses, an update replaces them, and a missing batch is reported rather than created', async () => {
      const [a, b, c] = [await newCourse(), await newCourse(), await newCourse()];
      const batch = await newBatch([b, a]);
      expect((await catalog.getBatch(batch))?.courseIds).toEqual([a, b].sort());
      expect(await catalog.updateBatch(batch, { courseIds: [c], name: 'Renamed', now: at(1) })).toBe(true);
      expect(await catalog.getBatch(batch)).toMatchObject({ name: 'Renamed', courseIds: [c] });
      expect(await catalog.updateBatch(newId(), { name: 'Nobody', now: at(1) })).toBe(false);
      expect(await catalog.batchExists(batch)).toBe(true);
      const page = await catalog.listBatches({ batchIds: [batch] }, { limit: 5 });
      expect(page.items).toEqual([expect.objectContaining({ id: batch, courseIds: [c] })]);
    });

    test('a member added twice is a member once and counted once; members list by name; the viewer batches follow the role', async () => {
      const batch = await newBatch();
      const zed = await newUser('student', 'Zed');
      const amy = await newUser('student', 'Amy');
      const teacher = await newUser('instructor', 'Teacher');
      expect(await catalog.addMember('enrollments', batch, zed, at(0))).toBe(true);
      expect(await catalog.addMember('enrollments', batch, zed, at(1))).toBe(false);
      await catalog.addMember('enrollments', batch, amy, at(0));
      await catalog.addMember('batch_instructors', batch, teacher, at(0));
      expect((await catalog.listMembers('enrollments', batch)).map((m) => m.name)).toEqual(['Amy', 'Zed']);
      expect(await catalog.countMembers('enrollments', batch)).toBe(2);
      expect(await catalog.countMembers('batch_instructors', batch)).toBe(1);
      expect(await catalog.countMembers('enrollments', await newBatch())).toBe(0);
      expect([...(await catalog.getViewerBatches(zed, 'student')).enrolledBatchIds]).toEqual([batch]);
      expect([...(await catalog.getViewerBatches(teacher, 'instructor')).instructedBatchIds]).toEqual([batch]);
      expect(await catalog.removeMember('enrollments', batch, zed)).toBe(true);
      expect(await catalog.removeMember('enrollments', batch, zed)).toBe(false);
      expect(await catalog.countMembers('enrollments', batch)).toBe(1);
      expect(await catalog.isCourseVisibleToUser(newId(), amy, 'student')).toBe(false);
    });

    test('a batch that still holds live classes cannot be deleted: the reference is reported', async () => {
      const courseId = await newCourse();
      const { chapterId, lessonId } = await newLesson(courseId);
      const batch = await newBatch([courseId]);
      await newLiveClass(batch, lessonId);
      expect(await catalog.countLiveClassesOfLessons({ courseId })).toBe(1);
      expect(await catalog.countLiveClassesOfLessons({ chapterId })).toBe(1);
      expect(await catalog.courseIdsUsedByClassesOfBatch(batch)).toEqual([courseId]);
      const violation = await violationOf(catalog.deleteBatch(batch));
      expect(violation.kind).toBe('referenced');
      expect(await catalog.batchExists(batch)).toBe(true);
    });
  });

  describe('identity', () => {
    test('a second user with the same email is a uniqueness conflict on email', async () => {
      const id = await newUser('student');
      const violation = await violationOf(
        identity.insertUser({ id: newId(), email: `${id}@school.test`, name: 'Twin', role: 'student', passwordHash: null, externalId: null, now: at(0) }),
      );
      expect(violation).toMatchObject({ kind: 'unique', field: 'email' });
    });

    test('users of a role list in id order, a page at a time', async () => {
      const admins = [await newUser('admin'), await newUser('admin'), await newUser('admin')];
      const first = await identity.listUsers({ role: 'admin' }, { limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toBe(first.items[1]!.id);
      const rest = await identity.listUsers({ role: 'admin' }, { limit: 100, cursor: first.nextCursor! });
      const all = [...first.items, ...rest.items].map((u) => u.id);
      expect(all).toEqual([...all].sort());
      expect(all).toEqual(expect.arrayContaining(admins));
      expect([...first.items, ...rest.items].every((u) => u.role === 'admin')).toBe(true);
    });
  });

  describe('recordings', () => {
    test('a recording is found by id and by its provider reference, and a second import of that reference is refused', async () => {
      const liveClassId = await newLiveClass(await newBatch());
      const ref = `zoom:${newId()}`;
      const id = await newRecording(liveClassId, { externalRef: ref });
      expect(await recordings.get(id)).toMatchObject({ id, liveClassId, status: 'processing', externalRef: ref, media: null, progress: null });
      expect((await recordings.getByExternalRef(ref))?.id).toBe(id);
      expect(await recordings.events(id)).toEqual([{ from: null, to: 'processing', actor: 'test', reason: 'created', at: at(0) }]);
      const violation = await violationOf(newRecording(liveClassId, { externalRef: ref }));
      expect(violation).toMatchObject({ kind: 'unique', field: 'externalRef' });
    });

    test('a transition applies only from the status it expects, with its event and outbox rows in the same commit', async () => {
      const id = await newRecording(await newLiveClass(await newBatch()));
      const ready = { id, from: 'processing' as const, to: 'ready' as const, previousStatus: null, actor: 'pipeline', reason: 'transcoded', now: at(3) };
      expect(await recordings.transition({ ...ready, outbox: [{ type: 'recording.ready', subjectId: id, data: { recordingId: id } }] })).toBe(true);
      expect(await recordings.transition({ ...ready, now: at(4) })).toBe(false);
      expect((await recordings.get(id))?.status).toBe('ready');
      expect((await recordings.events(id)).map((e) => e.to)).toEqual(['processing', 'ready']);

      const claimed = await notifications.claimEvents(100, at(5), at(6));
      const mine = claimed.filter((e) => e.subjectId === id);
      expect(mine).toEqual([expect.objectContaining({ type: 'recording.ready', data: { recordingId: id }, occurredAt: at(3) })]);
      // Leased to this worker: nobody else takes it before the lease ends, anyone may after.
      expect((await notifications.claimEvents(100, at(5), at(6))).some((e) => e.subjectId === id)).toBe(false);
      expect((await notifications.claimEvents(100, at(7), at(8))).some((e) => e.subjectId === id)).toBe(true);
      await notifications.fanOut(mine[0]!.id, [], [], at(9));
      expect((await notifications.claimEvents(100, at(20), at(21))).some((e) => e.subjectId === id)).toBe(false);
    });

    test('lists are newest first by start, in batch scope, by status, and page with a keyset cursor', async () => {
      const batch = await newBatch();
      const other = await newBatch();
      const liveClassId = await newLiveClass(batch);
      const ids = [await newRecording(liveClassId, { startedAt: at(10) }), await newRecording(liveClassId, { startedAt: at(30) }), await newRecording(liveClassId, { startedAt: at(20) })];
      await newRecording(await newLiveClass(other), { startedAt: at(40) });
      const newestFirst = [ids[1], ids[2], ids[0]];
      const all = await recordings.list({ batchIds: [batch], statuses: null, limit: 10 });
      expect(all.map((r) => r.id)).toEqual(newestFirst);
      expect(all[0]!.liveClass).toEqual({ id: liveClassId, title: 'Class', batchId: batch, lessonId: null, provider: 'upload' });
      const first = await recordings.list({ batchIds: [batch], statuses: null, limit: 1 });
      // A page asks for one more row than it shows: that row says another page exists.
      expect(first.map((r) => r.id)).toEqual(newestFirst.slice(0, 2));
      const after = await recordings.list({ batchIds: [batch], statuses: null, limit: 10, after: { startedAt: at(30), id: ids[1]! } });
      expect(after.map((r) => r.id)).toEqual(newestFirst.slice(1));
      expect(await recordings.list({ batchIds: [], statuses: null, limit: 10 })).toEqual([]);
      expect(await recordings.list({ batchIds: [batch], statuses: ['ready'], limit: 10 })).toEqual([]);
      expect((await recordings.list({ batchIds: null, batchId: batch, liveClassId, statuses: ['processing'], limit: 10 })).map((r) => r.id)).toEqual(newestFirst);
    });

    test("a provider's state is swapped only from the value it was read as", async () => {
      const id = await newRecording(await newLiveClass(await newBatch()), { status: 'recording' });
      expect(await recordings.getProviderState(id)).toBeNull();
      expect(await recordings.swapProviderState(id, null, '{"egress":"e1"}', `livekit:${id}`)).toBe(true);
      expect(await recordings.swapProviderState(id, null, '{"egress":"e2"}')).toBe(false);
      expect(await recordings.swapProviderState(id, '{"egress":"e1"}', '{"egress":"e1","done":true}')).toBe(true);
      expect(await recordings.getProviderState(id)).toBe('{"egress":"e1","done":true}');
      expect((await recordings.get(id))?.externalRef).toBe(`livekit:${id}`);
      expect(await recordings.listAwaitingProvider('upload', 1000)).toContain(id);
    });

    test('a deleted recording becomes purgeable after the retention cut-off and is purged once', async () => {
      const id = await newRecording(await newLiveClass(await newBatch()), { status: 'ready' });
      expect(await recordings.transition({ id, from: 'ready', to: 'deleted', previousStatus: 'ready', actor: 'admin', reason: 'removed', now: at(1), fields: { deletedAt: at(1) } })).toBe(true);
      expect((await recordings.listPurgeable(at(1), 1000)).map((r) => r.id)).not.toContain(id);
      expect((await recordings.listPurgeable(at(2), 1000)).map((r) => r.id)).toContain(id);
      await recordings.markPurged(id, at(3));
      expect(await recordings.get(id)).toMatchObject({ status: 'deleted', purgedAt: at(3), media: null });
      expect((await recordings.listPurgeable(at(4), 1000)).map((r) => r.id)).not.toContain(id);
    });
  });

  describe('LTI', () => {
    test("a platform is registered, listed by issuer, updated and deleted", async () => {
      const id = newId();
      const issuer = `https://lms-${id.slice(-6)}.test`;
      await lti.insertPlatform({
        id, name: 'LMS', issuer, clientId: 'client', authorizationEndpoint: `${issuer}/auth`, tokenEndpoint: `${issuer}/token`, jwksUrl: `${issuer}/jwks`,
        deploymentIds: ['d1'], courseId: null, administratorRole: 'instructor', createdAt: at(0),
      });
      expect((await lti.platformsOfIssuer(issuer)).map((p) => p.id)).toEqual([id]);
      await lti.updatePlatform(id, { deploymentIds: ['d1', 'd2'], now: at(1) });
      expect(await lti.getPlatform(id)).toMatchObject({ deploymentIds: ['d1', 'd2'], administratorRole: 'instructor' });
      expect(sortedIds(await lti.listPlatforms())).toContain(id);
      expect(await lti.deletePlatform(id)).toBe(true);
      expect(await lti.getPlatform(id)).toBeNull();
    });

    test('a nonce is used once, a login state is verified once and its session issued once', async () => {
      const platformId = newId();
      await lti.insertPlatform({
        id: platformId, name: 'LMS', issuer: `https://${platformId}.test`, clientId: 'c', authorizationEndpoint: 'https://a.test', tokenEndpoint: 'https://t.test',
        jwksUrl: 'https://j.test', deploymentIds: [], courseId: null, administratorRole: 'student', createdAt: at(0),
      });
      expect(await lti.useNonce(platformId, 'n-1', at(30))).toBe(true);
      expect(await lti.useNonce(platformId, 'n-1', at(30))).toBe(false);
      const state = newId();
      await lti.insertLoginState({ state, platformId, nonce: 'n-2', bindingHash: 'h', now: at(0), expiresAt: at(10) });
      expect(await lti.markLoginVerified(state, '{"userId":"u"}', at(1))).toBe(true);
      expect(await lti.markLoginVerified(state, '{"userId":"other"}', at(2))).toBe(false);
      expect(await lti.getLoginState(state)).toMatchObject({ outcome: '{"userId":"u"}', verified_at: at(1) });
      expect(await lti.markSessionIssued(state, at(3))).toBe(true);
      expect(await lti.markSessionIssued(state, at(4))).toBe(false);
      await lti.pruneLoginRecords(at(59));
      expect(await lti.getLoginState(state)).toBeUndefined();
      expect(await lti.useNonce(platformId, 'n-1', at(90))).toBe(true);
    });
  });

  describe('notifications', () => {
    test('mail is on until turned off; a refused address is remembered until mail is turned on again', async () => {
      const user = await newUser('student');
      expect(await notifications.getSettings(user)).toEqual({ email: true, emailRefusedAt: null, emailRefusedReason: null });
      await notifications.markAddressRefused(user, '550 no such mailbox', at(1));
      expect(await notifications.getSettings(user)).toEqual({ email: true, emailRefusedAt: at(1), emailRefusedReason: '550 no such mailbox' });
      await notifications.setEmailEnabled(user, false, at(2));
      expect(await notifications.getSettings(user)).toMatchObject({ email: false, emailRefusedAt: at(1) });
      await notifications.setEmailEnabled(user, true, at(3));
      expect(await notifications.getSettings(user)).toEqual({ email: true, emailRefusedAt: null, emailRefusedReason: null });
    });
  });
  describe('providers', () => {
    test('a provider delivery is kept once by its delivery id, claimed by one handler at a time, listed until handled and pruned after', async () => {
      const inbox = createProviderInboxRepository(database.db);
      const deliveryId = `d-${newId()}`;
      const delivery = { id: newId(), provider: 'zoom', accountId: 'acct', deliveryId, eventType: 'recording.completed', bodyEncrypted: 'sealed', receivedAt: at(1) };
      expect(await inbox.insert(delivery)).toBe(true);
      expect(await inbox.insert({ ...delivery, id: newId() })).toBe(false);
      expect(await inbox.get(delivery.id)).toMatchObject({ deliveryId, status: 'received', attempts: 0, outcome: null });
      expect(await inbox.claim(delivery.id, at(2), at(7))).toBe(true);
      expect(await inbox.claim(delivery.id, at(3), at(8))).toBe(false);
      expect(await inbox.listUnhandled(at(5), 10)).not.toContain(delivery.id);
      await inbox.release(delivery.id);
      expect(await inbox.listUnhandled(at(5), 10)).toContain(delivery.id);
      expect(await inbox.claim(delivery.id, at(4), at(9))).toBe(true);
      await inbox.finish(delivery.id, 'done', { imported: 1 }, at(5));
      expect(await inbox.get(delivery.id)).toMatchObject({ status: 'done', attempts: 2, outcome: { imported: 1 } });
      expect(await inbox.claim(delivery.id, at(30), at(35))).toBe(false);
      expect(await inbox.prune(at(2))).toBeGreaterThanOrEqual(1);
      expect(await inbox.get(delivery.id)).toBeNull();
    });

    test('provider accounts are stored, listed by provider, found and deleted only under their own provider', async () => {
      const accounts = createProviderAccountStore(database.db);
      const id = newId();
      await accounts.insert({ id, provider: 'livekit', name: 'School LiveKit', settings: { url: 'wss://lk.example' }, secretsEncrypted: 'sealed', createdAt: at(0) });
      expect(await accounts.get(id)).toEqual({ id, provider: 'livekit', name: 'School LiveKit', settings: { url: 'wss://lk.example' }, secretsEncrypted: 'sealed', createdAt: at(0) });
      expect((await accounts.list('livekit')).map((a) => a.id)).toContain(id);
      expect((await accounts.list('zoom')).map((a) => a.id)).not.toContain(id);
      expect(await accounts.delete('zoom', id)).toBe(false);
      expect(await accounts.delete('livekit', id)).toBe(true);
      expect(await accounts.get(id)).toBeNull();
    });

    test('a live class is found by its provider meeting', async () => {
      const id = await newLiveClass(await newBatch());
      const meetingId = `m-${newId()}`;
      await liveClasses.update(id, { providerMeetingId: meetingId, now: at(1) });
      expect((await liveClasses.getByProviderMeeting('upload', meetingId))?.id).toBe(id);
      expect(await liveClasses.getByProviderMeeting('zoom', meetingId)).toBeNull();
    });
  });

  describe('recording trim', () => {
    test('a trim is written compare-and-set on the trim as read, swapping the media with it', async () => {
      const id = await newRecording(await newLiveClass(await newBatch()));
      const original = { media: null as never, durationSeconds: 20, chatKey: null, captionsKey: null };
      const first = { startSeconds: 5, endSeconds: 15, state: 'cutting' as const, version: 1, error: null, original };
      expect(await recordings.saveTrim(id, null, { trim: first }, at(1))).toBe(true);
      expect(await recordings.saveTrim(id, null, { trim: { ...first, version: 2 } }, at(2))).toBe(false);
      expect((await recordings.get(id))?.trim).toEqual(first);
      const done = { ...first, state: 'done' as const };
      expect(await recordings.saveTrim(id, first, { trim: done, swap: { media: null, durationSeconds: 10, chatKey: 'k/chat.jsonl', captionsKey: null } }, at(3))).toBe(true);
      expect(await recordings.get(id)).toMatchObject({ trim: done, durationSeconds: 10, chatKey: 'k/chat.jsonl' });
      expect(await recordings.saveTrim(id, first, { trim: null }, at(4))).toBe(false);
      expect(await recordings.saveTrim(id, done, { trim: null }, at(4))).toBe(true);
      expect((await recordings.get(id))?.trim).toBeNull();
    });
  });
});
