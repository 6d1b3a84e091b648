/**
 * Page load in Chromium for a student who can see 1,000 recordings (all in one lesson, 250 classes × 4 parts, some
 * half watched): first contentful paint and time until the page's content is drawn, for the home page and the
 * lesson page, next to the sign-in page (the same app shell with no data) as the baseline, measured in the same run.
 * Usage: npx tsx bench/web-fcp.ts [-- --runs 7]
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { newId } from '../src/adapters/crypto';
import { launchChromium } from '../test/support/browser';
import { apiJson, startAulaProcess } from './support';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const CLASSES = 250;
const PARTS = 4;

async function main() {
  let aula = await startAulaProcess();
  const dataDir = aula.dataDir;
  const student = await apiJson<{ id: string }>(`${aula.url}/api/v1/users`, 'POST', { email: 'fcp@example.test', name: 'Bench Student', role: 'student', password: 'bench-password' });
  await aula.stop();

  const db = new Database(path.join(dataDir, 'aula.db'));
  db.pragma('journal_mode = WAL');
  const now = new Date().toISOString();
  const courseId = newId();
  const chapterId = newId();
  const batchId = newId();
  const lessonIds = Array.from({ length: 12 }, () => newId());
  const media = JSON.stringify({ masterKey: 'x/hls/master.m3u8', renditions: [], posterKey: 'x/poster.jpg', spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, captionsVttKey: null });
  db.transaction(() => {
    db.prepare("insert into courses (id, title, description, created_at, updated_at) values (?, 'Physics', '', ?, ?)").run(courseId, now, now);
    db.prepare("insert into chapters (id, course_id, title, position, created_at, updated_at) values (?, ?, 'Mechanics', 1, ?, ?)").run(chapterId, courseId, now, now);
    lessonIds.forEach((id, i) => db.prepare("insert into lessons (id, course_id, chapter_id, title, description, position, created_at, updated_at) values (?, ?, ?, ?, '', ?, ?, ?)").run(id, courseId, chapterId, `Lesson ${i + 1}`, i, now, now));
    db.prepare("insert into batches (id, name, created_at, updated_at) values (?, 'Spring', ?, ?)").run(batchId, now, now);
    db.prepare('insert into batch_courses (batch_id, course_id) values (?, ?)').run(batchId, courseId);
    db.prepare('insert into enrollments (batch_id, user_id, created_at) values (?, ?, ?)').run(batchId, student.id, now);
    const cls = db.prepare("insert into live_classes (id, title, batch_id, lesson_id, provider, status, starts_at, duration_minutes, auto_record, created_at, updated_at) values (?, ?, ?, ?, 'native', 'ended', ?, 60, 1, ?, ?)");
    const rec = db.prepare("insert into recordings (id, live_class_id, title, status, source, started_at, ended_at, duration_seconds, media, created_at, updated_at) values (?, ?, ?, 'ready', 'native', ?, ?, 3600, ?, ?, ?)");
    const event = db.prepare("insert into recording_events (recording_id, from_status, to_status, actor, reason, at) values (?, 'processing', 'ready', 'job', 'processed', ?)");
    const progress = db.prepare("insert into watch_progress (recording_id, user_id, ranges, watched_seconds, time_spent, last_position, sessions, updated_at) values (?, ?, '[[0,1200]]', 1200, 1200, 1200, 1, ?)");
    for (let k = 0; k < CLASSES; k++) {
      const classId = newId();
      const start = new Date(Date.now() - (CLASSES - k) * 86_400_000).toISOString();
      cls.run(classId, `Lecture ${k + 1}`, batchId, lessonIds[0], start, now, now);
      for (let p = 0; p < PARTS; p++) {
        const id = newId();
        const started = new Date(Date.parse(start) + p * 900_000).toISOString();
        rec.run(id, classId, `Lecture ${k + 1}`, started, started, media, now, now);
        event.run(id, now);
        if (k % 25 === 0) progress.run(id, student.id, now);
      }
    }
  })();
  db.exec('analyze');
  db.close();

  aula = await startAulaProcess({ AULA_DATA_DIR: dataDir });
  const chrome = await launchChromium();
  try {
    const { token } = await apiJson<{ token: string }>(`${aula.url}/api/v1/auth/login`, 'POST', { email: 'fcp@example.test', password: 'bench-password' });
    const pages = [
      { name: 'sign-in (baseline)', path: '/login', ready: 'form.login' },
      { name: 'home', path: `/?token=${token}`, ready: 'section.course' },
      { name: 'lesson (1,000 recordings)', path: `/lessons/${lessonIds[0]}?token=${token}`, ready: '.recording-card' },
    ];
    const measure = async (p: (typeof pages)[number]) => {
      const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Notes when the page's content first appears, without polling.
      await context.addInitScript((selector: string) => {
        new MutationObserver((_m, obs) => {
          if (document.querySelector(selector)) {
            (window as unknown as { contentAt: number }).contentAt = performance.now();
            obs.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      }, p.ready);
      const page = await context.newPage();
      await page.goto(aula.url + p.path);
      await page.waitForSelector(p.ready);
      await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
      const r = await page.evaluate(() => ({ fcp: performance.getEntriesByName('first-contentful-paint')[0]!.startTime, content: (window as unknown as { contentAt: number }).contentAt }));
      await context.close();
      return r;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const p of pages) await measure(p); // warm caches and the server
    const results = [];
    for (const p of pages) {
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await measure(p));
      results.push({ name: p.name, fcp: median(samples.map((s) => s.fcp)), content: median(samples.map((s) => s.content)) });
    }
    const base = results[0]!;
    console.log(`Chromium, 1280×800, median of ${runs} cold page loads; the student can see ${CLASSES * PARTS} recordings`);
    for (const r of results) {
      console.log(`${r.name.padEnd(28)} FCP ${r.fcp.toFixed(0).padStart(5)} ms (×${(r.fcp / base.fcp).toFixed(2)})   content ${r.content.toFixed(0).padStart(5)} ms (×${(r.content / base.content).toFixed(2)})`);
    }
  } finally {
    await chrome.close();
    await aula.stop();
  }
}

await main();
