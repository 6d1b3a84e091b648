/**
 * The lesson page API with 100,000 recordings across 1,000 lessons (generated here), as a student, next to the
 * bare-route baseline of bench/api.ts in the same run.  Usage: npm run bench:lesson-recordings [-- --seconds 5]
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { newId } from '../src/adapters/crypto';
import { startBare } from './api';
import { apiJson, compareWithBaseline, get, startAulaProcess } from './support';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const LESSONS = 1000;
const BATCHES_PER_COURSE = 4;
const LESSONS_PER_COURSE = 100;
const CLASSES_PER_LESSON = 25; // spread over the course's 4 batches
const RECORDINGS_PER_CLASS = 4; // 1,000 × 25 × 4 = 100,000

async function main() {
  // First start: migrate and create the users through the API.
  let aula = await startAulaProcess();
  const dataDir = aula.dataDir;
  const student = await apiJson<{ id: string }>(`${aula.url}/api/v1/users`, 'POST', { email: 'bench@example.test', name: 'Bench Student', role: 'student', password: 'bench-password' });
  await aula.stop();

  const t0 = Date.now();
  const db = new Database(path.join(dataDir, 'aula.db'));
  db.pragma('journal_mode = WAL');
  const now = new Date().toISOString();
  const ins = {
    course: db.prepare('insert into courses (id, title, description, created_at, updated_at) values (?, ?, \'\', ?, ?)'),
    chapter: db.prepare('insert into chapters (id, course_id, title, position, created_at, updated_at) values (?, ?, ?, 1, ?, ?)'),
    lesson: db.prepare('insert into lessons (id, course_id, chapter_id, title, description, position, created_at, updated_at) values (?, ?, ?, ?, \'\', ?, ?, ?)'),
    batch: db.prepare('insert into batches (id, name, created_at, updated_at) values (?, ?, ?, ?)'),
    batchCourse: db.prepare('insert into batch_courses (batch_id, course_id) values (?, ?)'),
    enroll: db.prepare('insert into enrollments (batch_id, user_id, created_at) values (?, ?, ?)'),
    cls: db.prepare('insert into live_classes (id, title, batch_id, lesson_id, provider, status, starts_at, duration_minutes, auto_record, created_at, updated_at) values (?, ?, ?, ?, \'native\', \'ended\', ?, 60, 1, ?, ?)'),
    rec: db.prepare('insert into recordings (id, live_class_id, title, status, source, started_at, ended_at, duration_seconds, media, created_at, updated_at) values (?, ?, ?, ?, \'native\', ?, ?, 3600, ?, ?, ?)'),
  };
  const media = JSON.stringify({ masterKey: 'x/hls/master.m3u8', renditions: [], posterKey: 'x/poster.jpg', spriteKey: null, thumbnailsVttKey: null, mp4Key: null, chatVttKey: null, chatJsonKey: null, captionsVttKey: null });
  let studentLessonId = '';
  let recordings = 0;
  db.transaction(() => {
    for (let c = 0; c < LESSONS / LESSONS_PER_COURSE; c++) {
      const courseId = newId();
      ins.course.run(courseId, `Course ${c}`, now, now);
      const chapterId = newId();
      ins.chapter.run(chapterId, courseId, 'Chapter', now, now);
      const batchIds = Array.from({ length: BATCHES_PER_COURSE }, (_, b) => {
        const id = newId();
        ins.batch.run(id, `Batch ${c}.${b}`, now, now);
        ins.batchCourse.run(id, courseId);
        return id;
      });
      if (c === 0) ins.enroll.run(batchIds[0], student.id, now);
      for (let l = 0; l < LESSONS_PER_COURSE; l++) {
        const lessonId = newId();
        ins.lesson.run(lessonId, courseId, chapterId, `Lesson ${l}`, l, now, now);
        if (c === 0 && l === 50) studentLessonId = lessonId;
        for (let k = 0; k < CLASSES_PER_LESSON; k++) {
          const classId = newId();
          const start = new Date(Date.UTC(2026, 0, 1) + (l * CLASSES_PER_LESSON + k) * 3_600_000).toISOString();
          ins.cls.run(classId, `Class ${k}`, batchIds[k % BATCHES_PER_COURSE], lessonId, start, now, now);
          for (let r = 0; r < RECORDINGS_PER_CLASS; r++) {
            const started = new Date(Date.parse(start) + r * 600_000).toISOString();
            // One in ten is still processing or failed, as in a real school.
            const status = r === 3 && k % 3 === 0 ? 'failed' : 'ready';
            ins.rec.run(newId(), classId, `Class ${k} part ${r + 1}`, status, started, started, media, now, now);
            recordings++;
          }
        }
      }
    }
  })();
  db.exec('analyze');
  db.close();
  console.log(`generated ${recordings} recordings in ${LESSONS} lessons in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  aula = await startAulaProcess({ AULA_DATA_DIR: dataDir });
  try {
    const { token } = await apiJson<{ token: string }>(`${aula.url}/api/v1/auth/login`, 'POST', { email: 'bench@example.test', password: 'bench-password' });
    const url = `${aula.url}/api/v1/lessons/${studentLessonId}/recordings`;
    const headers = { authorization: `Bearer ${token}` };
    const page = await (await fetch(url, { headers })).json() as { items: unknown[] };
    const body = JSON.stringify(page);
    console.log(`the student sees ${page.items.length} recordings on the measured lesson (of ${CLASSES_PER_LESSON * RECORDINGS_PER_CLASS} in all batches); body ${body.length} bytes`);
    const bare = await startBare(body);
    try {
      await compareWithBaseline({ name: 'bare Fastify route', request: () => get(bare.url) }, { name: 'GET /lessons/{id}/recordings', request: () => get(url, headers) }, { concurrency: 16, seconds });
    } finally {
      await bare.stop();
    }
  } finally {
    await aula.stop();
  }
}

await main();
