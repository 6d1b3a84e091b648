import type { Logger } from 'pino';
import { randomToken } from '../adapters/crypto';
import type { CatalogService } from './catalog';
import type { IdentityService } from './identity';
import type { LiveClassService } from './live-classes';

export interface DemoAccount {
  role: 'admin' | 'instructor' | 'student';
  email: string;
  password: string;
}

export interface DemoWorkspace {
  accounts: DemoAccount[];
  courseId: string;
  lessonIds: string[];
  batchId: string;
  liveClassId: string;
}

/** Seeds a small school on an empty database so a new user can sign in and look around. */
export async function seedDemoWorkspace(deps: { identity: IdentityService; catalog: CatalogService; liveClasses: LiveClassService; logger: Logger }): Promise<DemoWorkspace> {
  const { identity, catalog } = deps;
  const system = { kind: 'api-key', apiKeyId: null, role: 'admin' } as const;
  const accounts: DemoAccount[] = [];
  const make = async (role: DemoAccount['role'], email: string, name: string) => {
    const password = randomToken(9);
    const user = await identity.createUser('system', { email, name, role, password });
    accounts.push({ role, email, password });
    return user;
  };
  await make('admin', 'admin@aula.local', 'Ada Admin');
  const instructor = await make('instructor', 'instructor@aula.local', 'Ines Instructor');
  const s1 = await make('student', 'student1@aula.local', 'Sam Student');
  const s2 = await make('student', 'student2@aula.local', 'Sasha Student');

  const course = await catalog.createCourse(system, { title: 'Demo course', description: 'A course to try Aula with.' });
  const chapter = await catalog.createChapter(system, course.id, { title: 'Getting started' });
  const l1 = await catalog.createLesson(system, chapter.id, { title: 'Welcome to Aula', description: 'What live classes and recordings look like.' });
  const l2 = await catalog.createLesson(system, chapter.id, { title: 'Your first live class' });
  const batch = await catalog.createBatch(system, { name: 'Demo batch', courseIds: [course.id] });
  await catalog.enroll(system, batch.id, s1.id);
  await catalog.enroll(system, batch.id, s2.id);
  await catalog.assignInstructor(system, batch.id, instructor.id);
  const liveClass = await deps.liveClasses.create(system, {
    title: 'Welcome session', batchId: batch.id, lessonId: l1.id, provider: 'upload', startsAt: new Date(Date.now() - 3_600_000).toISOString(), durationMinutes: 30, autoRecord: false,
  });
  deps.logger.info({ courseId: course.id, batchId: batch.id }, 'demo workspace created');
  return { accounts, courseId: course.id, lessonIds: [l1.id, l2.id], batchId: batch.id, liveClassId: liveClass.id };
}
