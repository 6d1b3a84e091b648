import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSchool, startAula, type TestAula } from './support/aula';
import { type LtiPlatformEmulator, ROLE, startLtiPlatform } from './support/emulators/lti-platform';
import { eventually, launchOverHttp } from './support/lti';
import { makeTestVideo } from './support/media';
import { freshPostgresDatabase, postgresUrl } from './support/services';

type ErrorBody = { error: { code: string; message: string } };
const DEPLOYMENT = 'https://purl.imsglobal.org/spec/lti/claim/deployment_id';
const ROLES = 'https://purl.imsglobal.org/spec/lti/claim/roles';
const VERSION = 'https://purl.imsglobal.org/spec/lti/claim/version';

const backends = [{ name: 'SQLite', postgres: false }, ...(postgresUrl ? [{ name: 'PostgreSQL', postgres: true }] : [])];

describe.each(backends)('LTI 1.3 on $name: registration, launches and their refusals, rosters, deep links, grades', ({ postgres }) => {
  let t: TestAula;
  let emu: LtiPlatformEmulator;
  let school: Awaited<ReturnType<typeof seedSchool>>;
  let platformId: string;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | null = null;

  beforeAll(async () => {
    database = postgres ? await freshPostgresDatabase() : null;
    [t, emu] = await Promise.all([startAula({ AULA_LTI_SCORE_DELAY_SECONDS: '0.3', ...(database && { DATABASE_URL: database.url }) }), startLtiPlatform({ pageSize: 2 })]);
    school = await seedSchool(t, { lessons: 2 });
    emu.addUser({ id: 'u-ana', name: 'Ana Learner', email: 'ana@lms.test', roles: [ROLE.learner] });
    emu.addUser({ id: 'u-ben', name: 'Ben Learner', email: 'ben@lms.test', roles: [ROLE.learner] });
    emu.addUser({ id: 'u-cy', name: 'Cy Learner', roles: ['Learner'] });
    emu.addUser({ id: 'u-ida', name: 'Ida Instructor', email: 'ida@lms.test', roles: [ROLE.instructor] });
    emu.addUser({ id: 'u-tom', name: 'Tom TA', roles: [ROLE.ta] });
    emu.addContext('algebra-101', 'Algebra 101', ['u-ana', 'u-ben', 'u-cy', 'u-ida', 'u-tom']);
    emu.addLink({ id: 'link-lesson', contextId: 'algebra-101', title: 'Linear equations', custom: { aula_lesson_id: school.lessons[0]!.id }, lineItemId: 'li-1' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await emu?.close();
    await database?.drop();
  });

  it('an admin registers the platform by LTI Dynamic Registration; the link works once and the LMS may then frame Aula', async () => {
    const link = await t.api<{ url: string }>('POST', '/api/v1/lti/registration-links', { body: { name: 'Emulated LMS', courseId: school.course.id } });
    expect(link.status).toBe(201);
    const registerUrl = `${link.body.url}&openid_configuration=${encodeURIComponent(`${emu.issuer}/.well-known/openid-configuration`)}&registration_token=${encodeURIComponent(emu.state.registrationToken)}`;
    const html = await fetch(registerUrl);
    expect(html.status).toBe(200);
    const text = await html.text();
    expect(text).toContain('org.imsglobal.lti.close');
    expect(emu.state.tool?.jwksUrl).toBe(`${t.url}/.well-known/jwks.json`);
    const platforms = await t.api<{ items: { id: string; issuer: string; clientId: string; deploymentIds: string[] }[] }>('GET', '/api/v1/lti/platforms');
    expect(platforms.body.items).toHaveLength(1);
    expect(platforms.body.items[0]).toMatchObject({ issuer: emu.issuer, clientId: emu.state.tool!.clientId, deploymentIds: ['deployment-1'] });
    platformId = platforms.body.items[0]!.id;

    const again = await fetch(registerUrl, { headers: { accept: 'application/json' } });
    expect(again.status).toBe(502);
    expect(((await again.json()) as ErrorBody).error.code).toBe('lti_registration_failed');

    const page = await fetch(`${t.url}/login`);
    expect(page.headers.get('content-security-policy')).toBe(`frame-ancestors 'self' ${emu.issuer}`);
  });

  it('publishes its RS256 keys; after a rotation both keys are served', async () => {
    const before = (await t.api<{ keys: { kid: string; alg: string; kty: string; d?: string }[] }>('GET', '/.well-known/jwks.json', { token: null })).body.keys;
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before[0]).toMatchObject({ alg: 'RS256', kty: 'RSA' });
    expect(before[0]!.d).toBeUndefined();
    const rotated = await t.api<{ kid: string }>('POST', '/api/v1/lti/keys/rotate');
    expect(rotated.status).toBe(201);
    const after = (await t.api<{ keys: { kid: string }[] }>('GET', '/.well-known/jwks.json', { token: null })).body.keys.map((k) => k.kid);
    expect(after).toEqual(expect.arrayContaining([...before.map((k) => k.kid), rotated.body.kid]));
    const tool = await t.api<{ jwks_uri: string; initiate_login_uri: string }>('GET', '/lti/config.json', { token: null });
    expect(tool.body).toMatchObject({ jwks_uri: `${t.url}/.well-known/jwks.json`, initiate_login_uri: `${t.url}/lti/login` });
  });

  it('a Learner launch lands on the lesson, signed in, enrolled in the LMS course\'s batch', async () => {
    const launch = await launchOverHttp(t, emu, 'u-ana', { linkId: 'link-lesson' });
    expect(launch.status).toBe(200);
    const session = await launch.session();
    expect(session.status).toBe(200);
    expect(session.body.redirectTo).toBe(`/lessons/${school.lessons[0]!.id}`);
    const me = await t.api<{ name: string; role: string; email: string }>('GET', '/api/v1/me', { token: session.body.token });
    expect(me.body).toMatchObject({ name: 'Ana Learner', role: 'student', email: 'ana@lms.test' });
    const recordings = await t.api('GET', `/api/v1/lessons/${school.lessons[0]!.id}/recordings`, { token: session.body.token });
    expect(recordings.status).toBe(200);
    // The session is claimed once, and only with the binding secret of the browser that started the login.
    expect((await launch.session()).body.error.code).toBe('lti_nonce_replayed');
    const other = await launchOverHttp(t, emu, 'u-ana', { linkId: 'link-lesson' });
    expect((await other.session('another-browser')).body.error.code).toBe('lti_state_mismatch');
  });

  it('an Instructor launch lands on the console of that batch, as the batch\'s instructor', async () => {
    const launch = await launchOverHttp(t, emu, 'u-ida', { linkId: 'link-lesson' });
    const session = await launch.session();
    const platform = await t.api<{ contexts: { contextId: string; batchId: string }[] }>('GET', `/api/v1/lti/platforms/${platformId}`);
    const batchId = platform.body.contexts.find((c) => c.contextId === 'algebra-101')!.batchId;
    expect(session.body.redirectTo).toBe(`/console?batch=${batchId}`);
    const instructors = await t.api<{ items: { id: string }[] } | { id: string }[]>('GET', `/api/v1/batches/${batchId}/instructors`);
    const ids = (Array.isArray(instructors.body) ? instructors.body : instructors.body.items).map((u) => u.id);
    expect(ids).toContain(session.body.userId);
  });

  describe('refusals', () => {
    const refused = async (tamper: Parameters<typeof launchOverHttp>[4], user = 'u-ben') => {
      const r = await launchOverHttp(t, emu, user, { linkId: 'link-lesson' }, tamper);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      return r.body.error.code;
    };
    it('a wrong signature', async () => expect(await refused({ key: 'forged' })).toBe('lti_bad_signature'));
    it('an unknown kid: the keys are fetched again, then the launch is refused', async () => {
      const fetches = emu.state.jwksFetches;
      expect(await refused({ key: 'unpublished' })).toBe('lti_unknown_key');
      expect(emu.state.jwksFetches).toBe(fetches + 1);
    });
    it('a key the platform rotated in is picked up by refetching', async () => {
      await emu.rotateKey();
      const r = await launchOverHttp(t, emu, 'u-ben', { linkId: 'link-lesson' });
      expect(r.status).toBe(200);
    });
    it('a replayed nonce', async () => {
      const r = await launchOverHttp(t, emu, 'u-ben', { linkId: 'link-lesson' });
      expect(r.status).toBe(200);
      const again = await r.replay();
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('lti_nonce_replayed');
    });
    it('an expired token', async () => expect(await refused({ claims: (c) => Object.assign(c, { iat: Math.floor(Date.now() / 1000) - 4000, exp: Math.floor(Date.now() / 1000) - 3600 }) })).toBe('lti_token_expired'));
    it('a wrong audience, and a list of audiences whose azp is another tool', async () => {
      expect(await refused({ claims: (c) => Object.assign(c, { aud: 'another-tool' }) })).toBe('lti_wrong_audience');
      expect(await refused({ claims: (c) => Object.assign(c, { aud: [c.aud, 'another-tool'], azp: 'another-tool' }) })).toBe('lti_wrong_audience');
    });
    it('an unknown deployment', async () => expect(await refused({ claims: (c) => Object.assign(c, { [DEPLOYMENT]: 'deployment-9' }) })).toBe('lti_unknown_deployment'));
    it('a state this browser never started', async () => expect(await refused({ state: 'not-a-state-of-ours' })).toBe('lti_state_mismatch'));
    it('missing claims', async () => {
      expect(await refused({ claims: (c) => delete c[ROLES] })).toBe('lti_missing_claim');
      expect(await refused({ claims: (c) => delete c[VERSION] })).toBe('lti_missing_claim');
      expect(await refused({ claims: (c) => delete c.sub })).toBe('lti_missing_claim');
    });
    it('a browser gets a readable page with the code, never a stack trace', async () => {
      const res = await fetch(`${t.url}/lti/login?iss=${encodeURIComponent('https://unknown.example')}&login_hint=x&target_link_uri=${encodeURIComponent(`${t.url}/lti/launch`)}`);
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain('data-error-code="lti_unknown_platform"');
      expect(html).not.toMatch(/at .*\.ts:\d+/);
      const bad = await fetch(`${t.url}/lti/launch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'state=x' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ErrorBody).error.code).toBe('lti_bad_request');
    });
  });

  it('the roster follows the LMS course: members are added over paged NRPS, and one who left loses access', async () => {
    const platform = await t.api<{ contexts: { contextId: string; batchId: string }[] }>('GET', `/api/v1/lti/platforms/${platformId}`);
    const batchId = platform.body.contexts.find((c) => c.contextId === 'algebra-101')!.batchId;
    const students = async () => (await t.api<{ id: string; name: string }[] | { items: { id: string; name: string }[] }>('GET', `/api/v1/batches/${batchId}/students`)).body;
    const names = async () => {
      const b = await students();
      return (Array.isArray(b) ? b : b.items).map((s) => s.name).sort();
    };
    const pagesBefore = emu.state.nrpsPages;
    await t.api('POST', '/api/v1/lti/roster-syncs');
    await eventually(async () => emu.state.nrpsPages >= pagesBefore + 3 && (await names()).length === 3, 'the first roster sync');
    expect(await names()).toEqual(['Ana Learner', 'Ben Learner', 'Cy Learner']);

    const ben = await launchOverHttp(t, emu, 'u-ben', { linkId: 'link-lesson' });
    const benToken = (await ben.session()).body.token;
    expect((await t.api('GET', `/api/v1/batches/${batchId}/recordings`, { token: benToken })).status).toBe(200);

    emu.state.contexts.get('algebra-101')!.members = ['u-ana', 'u-cy', 'u-ida', 'u-tom'];
    await t.api('POST', '/api/v1/lti/roster-syncs');
    await eventually(async () => (await names()).length === 2, 'Ben to be removed');
    expect(await names()).toEqual(['Ana Learner', 'Cy Learner']);
    const denied = await t.api<ErrorBody>('GET', `/api/v1/batches/${batchId}/recordings`, { token: benToken });
    expect(denied.status).toBe(403);
  });

  it('an instructor places a lesson with Deep Linking; the platform receives a signed ltiResourceLink that launches into it', async () => {
    const launch = await launchOverHttp(t, emu, 'u-ida', { deepLinkContextId: 'algebra-101' });
    expect(launch.body.kind).toBe('deep-link');
    const session = await launch.session();
    expect(session.body.redirectTo).toBe(`/lti/deep-link/${launch.state}`);
    const options = await t.api<{ courses: { lessons: { id: string }[] }[] }>('GET', `/api/v1/lti/deep-link/${launch.state}`, { token: session.body.token });
    expect(options.body.courses[0]!.lessons.map((l) => l.id)).toContain(school.lessons[1]!.id);
    // A student cannot use the instructor's picker.
    const ana = await (await launchOverHttp(t, emu, 'u-ana', { linkId: 'link-lesson' })).session();
    expect((await t.api('GET', `/api/v1/lti/deep-link/${launch.state}`, { token: ana.body.token })).status).toBe(403);

    const answer = await t.api<{ returnUrl: string; jwt: string }>('POST', `/api/v1/lti/deep-link/${launch.state}/response`, { token: session.body.token, body: { lessonId: school.lessons[1]!.id } });
    expect(answer.status).toBe(200);
    const returned = await fetch(answer.body.returnUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ JWT: answer.body.jwt }).toString() });
    expect(await returned.text()).toContain('deep-link-done');
    expect(emu.state.deepLinks.at(-1)).toMatchObject({ type: 'ltiResourceLink', title: 'Lesson 2', custom: { aula_lesson_id: school.lessons[1]!.id } });

    const newLink = [...emu.state.links.values()].at(-1)!;
    const learner = await (await launchOverHttp(t, emu, 'u-cy', { linkId: newLink.id })).session();
    expect(learner.body.redirectTo).toBe(`/lessons/${school.lessons[1]!.id}`);
  });

  it('while a class of the lesson is live, a Learner launch lands on the live class', async () => {
    const platform = await t.api<{ contexts: { contextId: string; batchId: string }[] }>('GET', `/api/v1/lti/platforms/${platformId}`);
    const batchId = platform.body.contexts.find((c) => c.contextId === 'algebra-101')!.batchId;
    emu.addLink({ id: 'link-live', contextId: 'algebra-101', title: 'Lesson 2, live', custom: { aula_lesson_id: school.lessons[1]!.id } });
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Now', batchId, lessonId: school.lessons[1]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect((await t.api('POST', `/api/v1/live-classes/${cls.body.id}/start`)).status).toBe(200);
    const live = await (await launchOverHttp(t, emu, 'u-cy', { linkId: 'link-live' })).session();
    expect(live.body.redirectTo).toBe(`/live/${cls.body.id}`);
    expect((await t.api('POST', `/api/v1/live-classes/${cls.body.id}/end`)).status).toBe(200);
    const after = await (await launchOverHttp(t, emu, 'u-cy', { linkId: 'link-live' })).session();
    expect(after.body.redirectTo).toBe(`/lessons/${school.lessons[1]!.id}`);
  });

  it('a student\'s watched share of the lesson becomes an AGS score: InProgress, then Completed, timestamps increasing', async () => {
    const platform = await t.api<{ contexts: { contextId: string; batchId: string }[] }>('GET', `/api/v1/lti/platforms/${platformId}`);
    const batchId = platform.body.contexts.find((c) => c.contextId === 'algebra-101')!.batchId;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Linear, live', batchId, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    expect(cls.status).toBe(201);
    const file = await makeTestVideo(path.join(t.dataDir, 'lti-class.mp4'), { seconds: 4 });
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=lti-class.mp4`, { rawBody: await readFile(file), headers: { 'content-type': 'video/mp4' } });
    expect(rec.status).toBe(201);
    await eventually(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${rec.body.id}`)).body.status === 'ready', 'the recording to be ready', 90_000);

    const ana = await (await launchOverHttp(t, emu, 'u-ana', { linkId: 'link-lesson' })).session();
    const beat = (position: number, playing: boolean, event?: string) =>
      t.api('POST', `/api/v1/recordings/${rec.body.id}/progress`, { token: ana.body.token, body: { sessionId: 'lti-session-1', position, playing, ...(event && { event }) } });
    expect((await beat(0, true, 'play')).status).toBe(200);
    await beat(1, true);
    await beat(2, false, 'pause');
    const scores = () => emu.state.lineItems.get('li-1')!.scores.filter((s) => s.userId === 'u-ana');
    const first = await eventually(async () => scores()[0], 'the first score');
    expect(first).toMatchObject({ scoreMaximum: 100, activityProgress: 'InProgress', gradingProgress: 'FullyGraded' });
    expect(first.scoreGiven).toBeGreaterThan(20);
    expect(first.scoreGiven).toBeLessThan(80);

    await beat(2, true, 'play');
    await beat(3, true);
    await beat(4, false, 'ended');
    const second = await eventually(async () => scores()[1], 'the second score');
    expect(second).toMatchObject({ scoreGiven: 100, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
    expect(Date.parse(second.timestamp)).toBeGreaterThan(Date.parse(first.timestamp));
    expect(emu.state.scoreRefusals).toEqual([]);

    // One recording placed by Deep Linking opens the lesson page on that recording.
    const picker = await launchOverHttp(t, emu, 'u-ida', { deepLinkContextId: 'algebra-101' });
    const ida = await picker.session();
    const options = await t.api<{ courses: { lessons: { id: string; recordings: { id: string }[] }[] }[] }>('GET', `/api/v1/lti/deep-link/${picker.state}`, { token: ida.body.token });
    expect(options.body.courses[0]!.lessons.find((l) => l.id === school.lessons[0]!.id)!.recordings.map((r) => r.id)).toEqual([rec.body.id]);
    const answer = await t.api<{ returnUrl: string; jwt: string }>('POST', `/api/v1/lti/deep-link/${picker.state}/response`, { token: ida.body.token, body: { recordingId: rec.body.id } });
    await fetch(answer.body.returnUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ JWT: answer.body.jwt }).toString() });
    const placed = [...emu.state.links.values()].at(-1)!;
    expect(placed.custom).toEqual({ aula_lesson_id: school.lessons[0]!.id, aula_recording_id: rec.body.id });
    const opened = await (await launchOverHttp(t, emu, 'u-ana', { linkId: placed.id })).session();
    expect(opened.body.redirectTo).toBe(`/lessons/${school.lessons[0]!.id}?recording=${rec.body.id}`);
  }, 120_000);

  it('registering a platform by hand validates its settings and refuses a duplicate', async () => {
    const bad = await t.api<ErrorBody>('POST', '/api/v1/lti/platforms', { body: { ...emu.platformSettings(), jwksUrl: 'not a url' } });
    expect(bad.status).toBe(400);
    const dup = await t.api<ErrorBody>('POST', '/api/v1/lti/platforms', { body: emu.platformSettings() });
    expect(dup.status).toBe(409);
    const asStudent = await t.api<ErrorBody>('POST', '/api/v1/lti/platforms', { token: school.batches[0]!.students[0]!.token, body: { ...emu.platformSettings(), clientId: 'x' } });
    expect(asStudent.status).toBe(403);
  });
});
