/**
 * LTI figures, each next to a baseline measured in the same run:
 *  - launch wall time in Chromium, from the platform's login initiation reaching Aula to the lesson page showing its
 *    recordings inside the LMS iframe, vs the same page opened in the same iframe with a minted `?token=`;
 *  - NRPS roster sync of a 1,000-member context (first sync creating the accounts, an unchanged re-sync, one after
 *    50 members left), vs only fetching the same pages from the platform.
 * Usage: npx tsx bench/lti.ts [-- --launches 7 --members 1000]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, seedSchool, startAula } from '../test/support/aula';
import { launchChromium } from '../test/support/browser';
import { ROLE, startLtiPlatform } from '../test/support/emulators/lti-platform';
import { eventually, launchOverHttp } from '../test/support/lti';
import { makeTestVideo } from '../test/support/media';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const launches = arg('launches', 7);
const memberCount = arg('members', 1000);

const stats = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, min ${s[0]!.toFixed(0)} ms (n=${s.length})`;
};

async function main() {
  const port = await freePort();
  const t = await startAula({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}`, AULA_JOB_CONCURRENCY: '2' });
  const emu = await startLtiPlatform({ pageSize: 100 });
  const chrome = await launchChromium({ args: ['--test-third-party-cookie-phaseout'] });
  try {
    const school = await seedSchool(t, { lessons: 1 });
    emu.registerTool({ aulaUrl: t.aula.config.publicUrl });
    await t.api('POST', '/api/v1/lti/platforms', { body: { ...emu.platformSettings(), courseId: school.course.id } });
    emu.addUser({ id: 'teacher', name: 'Teacher', roles: [ROLE.instructor] });
    const learners = Array.from({ length: memberCount }, (_, i) => emu.addUser({ id: `learner-${i}`, name: `Learner ${i}`, email: `learner-${i}@lms.test`, roles: [ROLE.learner] }).id);
    emu.addContext('big-course', 'Big course', ['teacher']);
    emu.addLink({ id: 'lesson-link', contextId: 'big-course', title: 'Lesson', custom: { aula_lesson_id: school.lessons[0]!.id } });

    // The context's batch exists after a first launch; a recording makes the lesson page a real one.
    const first = await (await launchOverHttp(t, emu, 'teacher', { linkId: 'lesson-link' })).session();
    const batchId = new URL(first.body.redirectTo, t.url).searchParams.get('batch')!;
    const cls = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { title: 'Recorded', batchId, lessonId: school.lessons[0]!.id, provider: 'upload', startsAt: new Date().toISOString(), durationMinutes: 30 } });
    const file = await makeTestVideo(path.join(t.dataDir, 'bench.mp4'), { seconds: 4 });
    const rec = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${cls.body.id}/uploads?filename=bench.mp4`, { rawBody: await readFile(file), headers: { 'content-type': 'video/mp4' } });
    await eventually(async () => (await t.api<{ status: string }>('GET', `/api/v1/recordings/${rec.body.id}`)).body.status === 'ready', 'the recording', 90_000);

    // ---- launch wall time
    const launchMs: number[] = [];
    const directMs: number[] = [];
    for (let i = 0; i < launches + 1; i++) {
      const learner = learners[i]!;
      emu.state.contexts.get('big-course')!.members.push(learner);
      for (const mode of ['launch', 'direct'] as const) {
        const context = await chrome.browser.newContext();
        const page = await context.newPage();
        let startedAt = 0;
        page.on('request', (r) => {
          const p = new URL(r.url()).pathname;
          if (!startedAt && ((mode === 'launch' && p === '/lti/login') || (mode === 'direct' && p.startsWith('/lessons/')))) startedAt = performance.now();
        });
        if (mode === 'launch') await page.goto(emu.coursePage('big-course', learner, 'lesson-link'));
        else {
          // The learner the launch just created, signed in by a token the LMS mints through the API.
          const users = await t.api<{ items: { id: string; email: string }[] }>('GET', `/api/v1/users?role=student&limit=200`);
          const user = users.body.items.find((u) => u.email === `${learner}@lms.test`)!;
          const token = (await t.api<{ token: string }>('POST', `/api/v1/users/${user.id}/tokens`, { body: {} })).body.token;
          // Written into a page of the LMS's origin, so the frame has the same cross-site parent as a launch.
          await page.goto(`${emu.issuer}/jwks`);
          await page.setContent(`<iframe style="width:1100px;height:800px" src="${t.aula.config.publicUrl}/lessons/${school.lessons[0]!.id}?token=${token}"></iframe>`);
        }
        const frame = await eventually(async () => page.frames().find((f) => f !== page.mainFrame() && new URL(f.url()).pathname.startsWith('/lessons/')) ?? null, `the lesson frame (${mode})`, 30_000);
        await frame.waitForSelector('a.recording-card', { timeout: 30_000 });
        const ms = performance.now() - startedAt;
        // The first round warms Chromium and Aula's caches; it is not counted.
        if (i > 0) (mode === 'launch' ? launchMs : directMs).push(ms);
        await context.close();
      }
    }
    console.log('launch wall time, login initiation → lesson page with its recordings, in a cross-site iframe:');
    console.log(`  baseline: the same page opened in the iframe with ?token=   ${stats(directMs)}`);
    console.log(`  LTI 1.3 launch (login, platform auth, id_token, session)    ${stats(launchMs)}`);

    // ---- NRPS sync of a large context
    const ctx = emu.state.contexts.get('big-course')!;
    ctx.members = ['teacher', ...learners];
    const token = 'bench-nrps-token';
    emu.state.accessTokens.set(token, ['https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly']);
    const fetchStart = performance.now();
    let next: string | null = `${emu.issuer}/nrps/big-course`;
    let pages = 0;
    while (next) {
      const res: Response = await fetch(next, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' } });
      await res.json();
      pages++;
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    }
    const fetchMs = performance.now() - fetchStart;
    const platformId = (await t.api<{ items: { id: string }[] }>('GET', '/api/v1/lti/platforms')).body.items[0]!.id;
    const syncedAt = async () => (await t.api<{ contexts: { contextId: string; lastSyncedAt: string | null }[] }>('GET', `/api/v1/lti/platforms/${platformId}`)).body.contexts.find((c) => c.contextId === 'big-course')!.lastSyncedAt;
    const students = async () => {
      const body = (await t.api<unknown[] | { items: unknown[] }>('GET', `/api/v1/batches/${batchId}/students`)).body;
      return (Array.isArray(body) ? body : body.items).length;
    };
    const timeSync = async (expectStudents: number) => {
      const before = await syncedAt();
      const start = performance.now();
      await t.api('POST', '/api/v1/lti/roster-syncs');
      // A sync started by an earlier launch may finish meanwhile: wait for the one that saw this roster.
      await eventually(async () => (await syncedAt()) !== before && (await students()) === expectStudents, 'the roster sync', 120_000);
      return performance.now() - start;
    };
    const firstSync = await timeSync(memberCount);
    const unchanged = await timeSync(memberCount);
    ctx.members = ['teacher', ...learners.slice(50)];
    const afterLeaving = await timeSync(memberCount - 50);
    console.log(`NRPS roster, ${memberCount + 1} members in ${pages} pages of 100:`);
    console.log(`  baseline: fetching the pages only                 ${fetchMs.toFixed(0)} ms`);
    console.log(`  Aula sync, first (creates ${memberCount} accounts)       ${firstSync.toFixed(0)} ms (${(firstSync / fetchMs).toFixed(1)}× the fetch)`);
    console.log(`  Aula sync, unchanged roster                       ${unchanged.toFixed(0)} ms (${(unchanged / fetchMs).toFixed(1)}×)`);
    console.log(`  Aula sync, 50 members left                        ${afterLeaving.toFixed(0)} ms (${(afterLeaving / fetchMs).toFixed(1)}×)`);
  } finally {
    await chrome.close();
    await t.close();
    await emu.close();
  }
}

await main();
