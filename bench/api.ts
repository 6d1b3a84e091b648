/**
 * GET /api/v1/lessons/{id} as a student (token auth, access check, SQLite) against a bare Fastify route returning
 * the same JSON, both in their own process, measured in the same run.  Usage: npm run bench:api [-- --seconds 5]
 */
import { spawn } from 'node:child_process';
import { apiJson, compareWithBaseline, get, startAulaProcess } from './support';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const concurrency = 32;

export async function seedLessonForStudent(url: string) {
  const course = await apiJson<{ id: string }>(`${url}/api/v1/courses`, 'POST', { title: 'Bench course' });
  const chapter = await apiJson<{ id: string }>(`${url}/api/v1/courses/${course.id}/chapters`, 'POST', { title: 'Chapter' });
  const lesson = await apiJson<{ id: string }>(`${url}/api/v1/chapters/${chapter.id}/lessons`, 'POST', { title: 'Lesson', description: 'A lesson to measure.' });
  const batch = await apiJson<{ id: string }>(`${url}/api/v1/batches`, 'POST', { name: 'Bench batch', courseIds: [course.id] });
  const student = await apiJson<{ id: string }>(`${url}/api/v1/users`, 'POST', { email: 'bench-student@example.test', name: 'Bench Student', role: 'student', password: 'bench-password' });
  await apiJson(`${url}/api/v1/batches/${batch.id}/students`, 'POST', { userId: student.id });
  const { token } = await apiJson<{ token: string }>(`${url}/api/v1/auth/login`, 'POST', { email: 'bench-student@example.test', password: 'bench-password' });
  return { lessonId: lesson.id, batchId: batch.id, courseId: course.id, token };
}

export async function startBare(body: string) {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts'], { env: { ...process.env, PORT: String(port), BARE_BODY: body }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}/bare`, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

async function main() {
  const aula = await startAulaProcess();
  try {
    const { lessonId, token } = await seedLessonForStudent(aula.url);
    const lessonUrl = `${aula.url}/api/v1/lessons/${lessonId}`;
    const body = await (await fetch(lessonUrl, { headers: { authorization: `Bearer ${token}` } })).text();
    const bare = await startBare(body);
    try {
      const headers = { authorization: `Bearer ${token}` };
      console.log(`concurrency ${concurrency}, ${seconds} s each, body ${body.length} bytes`);
      await compareWithBaseline({ name: 'bare Fastify route', request: () => get(bare.url) }, { name: 'GET /api/v1/lessons/{id} (student)', request: () => get(lessonUrl, headers) }, { concurrency, seconds });
    } finally {
      await bare.stop();
    }
  } finally {
    await aula.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
